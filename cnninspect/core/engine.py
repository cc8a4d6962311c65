"""The analytic engine: walk a model's graph over an input shape, layer by layer, with the registered rules.

Torch-free and file-free. It names no layer kind: each leaf's kind is looked up in the catalog and its rule does
the arithmetic. The engine keeps the tensor's shape and receptive-field footprints, names every module as
PyTorch would (unnamed children numbered, as in nn.Sequential), and records one Row per layer application.

Two memories make repeated analysis cheap, and neither changes a result: rule results are kept by (kind,
settings, input shape), since rules are pure; and a model's last walk is kept as a plan that another input
shape can replay (the same layers and settings through the same program). A replay holds while every tensor
keeps the channels it had in the walk: `in_channels` is the one value of the spec's expressions that comes from
the tensor. Anything else it finds wrong sends it back to a full walk, which also locates the problem.
clear_caches() forgets both.

A walk is bounded by what it does, not only by what it adds: at most MAX_ROWS layers, MAX_NESTING levels deep,
and MAX_WORK steps (every node visited and every run of a repeat's body, whether or not it adds a layer). A
repeat or a call whose least work (least_work: what the spec writes) would pass the budget is refused before it
runs. The work depends only on the spec, its arguments and the channels, so a replay never meets the bound.
"""

from __future__ import annotations

import functools
import re
from typing import Mapping, NamedTuple

from cnninspect.core import window
from cnninspect.core.coverage import Coverage, coverage
from cnninspect.core.evaluate import Env, bind_arguments, evaluate_params, field_value
from cnninspect.core.expr import ExprError, evaluate
from cnninspect.core.graph import (CallNode, LayerNode, Loc, MergeNode, Model, Node, RefNode, RepeatNode, SeqNode,
                                   ShareNode, Value)
from cnninspect.core.layers.base import Field, Fuse, MixAxis, Params, Reorder, Shape, check_sizes, numel, show
from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.core.receptive import Footprint
from cnninspect.core.refs import Outputs, Read, expand, inputs_of
from cnninspect.core.window import AxisWindow
from cnninspect.errors import InputError

_TEMPLATE = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[^.\s{}]{1,100}")
MAX_ROWS = 200_000  # layer applications in one model: about a second of walking
MAX_NESTING = 64  # nodes within nodes, block calls included
MAX_WORK = 500_000  # steps of a walk (each node visited and each run of a repeat's body): about a second
MAX_RULES = 8192  # rule results kept: a few hundred models' worth of distinct layers
MAX_PLANS = 32  # models whose last walk is kept for replay
MAX_PLAN_ROWS = 100_000  # rows kept over all plans: some tens of MB at most
WORK = "steps of work (nodes visited, repeat runs, block calls)"
_CONDITION = Field("bool")
_TIMES = Field("int", low=0)


class Row(NamedTuple):
    """One layer application (or one merge) in forward order."""

    path: str
    kind: str  # the spec's kind: conv, add, ...
    type_name: str  # the PyTorch class: Conv2d, ... ('add', 'concat' for merges)
    input: Shape
    output: Shape
    params: int
    buffers: int
    macs: int
    ops: int
    footprint: tuple[Footprint, ...] | None  # per spatial axis; None once every output reads the whole input
    coverage: tuple[Coverage, ...]  # windowed layers only: how the windows cover each axis
    windows: tuple[AxisWindow, ...]  # windowed layers only, for the worked formulas
    aux: bool  # inside an auxiliary head: runs in training only
    module: bool  # a module in PyTorch (False: applied as a function, or a merge)
    loc: Loc
    settings: Params | None = None  # the layer's evaluated fields (None for merges)
    shared: bool = False  # a module applied again (`share`): its parameters are counted at its first use only


class Merge(NamedTuple):
    """A step of the program: run each branch on the same input, then add or concatenate (row: its Row)."""

    op: str
    branches: tuple["Program", ...]
    row: int


class Aux(NamedTuple):
    """A step of the program: a head that reads the tensor in training and passes it on unchanged."""

    body: "Program"


Program = tuple  # of steps: a Row's index (run that layer), a Merge, an Aux, or a Read (core/refs.py)


class Analysis(NamedTuple):
    model: Model
    input: Shape
    output: Shape
    footprint: tuple[Footprint, ...] | None
    rows: tuple[Row, ...]
    program: Program  # how the rows compose: what a builder needs to run them (cnninspect.torch_backend)
    inputs: tuple[tuple[str, Shape], ...] = ()  # every input, by name, in the order a forward pass takes them
    reads: frozenset = frozenset()  # the steps whose outputs a Read takes again: a builder keeps those


Axes = "tuple[Footprint | None, ...] | None"  # a footprint per axis of a sample; None for channel axes


class _Tensor(NamedTuple):
    shape: Shape
    axes: Axes  # None once every output reads every input position
    source: int = -1  # the step that made it: a row's index, or -1 - k for the model's input k


class _Scope:
    """A module's namespace: unnamed module children get the next index."""

    __slots__ = ("path", "count")

    def __init__(self, path: str) -> None:
        self.path = path
        self.count = 0

    def child(self, name: str | None) -> str:
        if name is None:
            name = str(self.count)
        self.count += 1
        return f"{self.path}.{name}" if self.path else name

    def functional(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name


class _Walk:
    __slots__ = ("model", "model_env", "rows", "program", "names", "depth", "work", "least", "outputs", "head",
                 "scopes")

    def __init__(self, model: Model, model_env: Env) -> None:
        self.model = model
        self.model_env = model_env  # the model's arguments: what a block sees besides its own
        self.rows: list[Row] = []
        self.program: list = []  # the steps of the sequence being walked
        self.names: dict = {}  # module path -> what it names, to refuse a name used twice
        self.depth = 0
        self.work = MAX_WORK  # steps left: work that adds no layer (empty or skipped bodies, calls) is bounded too
        self.least: dict = {}  # id(node) -> the steps it surely costs (least_work)
        self.outputs = Outputs()  # what references may read
        self.head: str | None = None  # the auxiliary head being walked, if any
        self.scopes: dict[str, _Scope] = {}  # named sequences' scopes, which a sequence of the same name reopens

    def node(self, node: Node, x: _Tensor, scope: _Scope, env: Env, aux: bool, labelled: bool = False) -> _Tensor:
        common = node.common
        if common.label is not None and not labelled:  # `as: LABEL`: its output (skipped: its input) has a name
            x = self.node(node, x, scope, env, aux, True)
            self.outputs.record(scope.functional(_name(common._replace(name=common.label), env)), x, self.head)
            return x
        if env.get("in_channels") != x.shape[0]:  # the incoming tensor's channels, a name for expressions
            env = {**env, "in_channels": x.shape[0]}
        if common.when is not None and not self._value(_CONDITION, common.when, env, "if", common.loc, scope):
            return x
        if common.source is not None or type(node) is RefNode:  # an earlier output instead of the incoming tensor
            x = self.read(common.source or node.path, scope, env, common.loc,
                          "from" if common.source else node.key)
            if type(node) is RefNode:
                return x
            if env.get("in_channels") != x.shape[0]:
                env = {**env, "in_channels": x.shape[0]}
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise InputError(f"{common.loc}: nesting deeper than {MAX_NESTING} levels")
        try:
            if isinstance(node, LayerNode):
                return self.layer(node, x, scope, env, aux)
            if isinstance(node, (SeqNode, MergeNode)):
                inner = self._named(scope, common, env, type(node) is SeqNode)
                if isinstance(node, SeqNode):
                    x = self.sequence(node.children, x, inner, env, aux)
                else:
                    x = self.merge(node, x, inner, env, aux)
                if inner is not scope:
                    self.outputs.record(inner.path, x, self.head)
                return x
            if isinstance(node, ShareNode):
                return self.share(node, x, scope, env, aux)
            if isinstance(node, RepeatNode):
                times = self._value(_TIMES, node.times, env, "times", common.loc, scope)
                if len(self.rows) + times * _rows_added(node.body) > MAX_ROWS:  # refuse before walking
                    raise InputError(f"{common.loc}: repeat {times} times would pass {MAX_ROWS} layers; "
                                     f"cnninspect stops here")
                if times * self._least(node.body) > self.work:  # refuse before walking
                    raise self._too_much(common.loc, f"repeat {times} times")
                self.work -= times  # each run of the body costs a step, whatever it holds
                for i in range(times):
                    x = self.sequence(node.body.children, x, scope, {**env, node.var: i}, aux)
                return x
            if isinstance(node, CallNode):
                block = self.model.blocks[node.block]
                if (self.least.get(id(block.body)) or self._least(block.body)) - 1 > self.work:  # its parts
                    raise self._too_much(common.loc, f"block '{node.block}'")
                inline = block.inline
                if inline and common.name is not None:
                    raise InputError(f"{common.loc}: block '{node.block}' is inline: its layers join the caller's "
                                     f"module, so a call has no name")
                inner = scope if inline else self._scope(scope, common, env)
                x = self.call(node, x, inner, env, aux)
                if not inline:
                    self.outputs.record(inner.path, x, self.head)
                return x
            outer, self.program, head = self.program, [], self.head  # AuxNode
            inner = self._scope(scope, common, env)
            self.head = inner.path
            self.sequence(node.body.children, x, inner, env, True)
            outer.append(Aux(tuple(self.program)))
            self.program, self.head = outer, head
            return x
        finally:
            self.depth -= 1

    def sequence(self, children: tuple[Node, ...], x: _Tensor, scope: _Scope, env: Env, aux: bool) -> _Tensor:
        left = self.work  # a step for each child, paid for the lot at once: the loop stays as fast as before
        self.work = left - len(children)
        if self.work < 0:
            raise self._overspent(children, left)
        for child in children:
            x = self.node(child, x, scope, env, aux)
        return x

    def layer(self, node: LayerNode, x: _Tensor, scope: _Scope, env: Env, aux: bool) -> _Tensor:
        kind = BY_NAME[node.kind]
        name = _name(node.common, env)
        if kind.attribute:  # a tensor its module holds: named, never numbered
            if name is None:
                raise InputError(f"{node.common.loc}: {kind.name} is held by its module as an attribute: give it "
                                 f"a name")
            path = scope.functional(name)
            self._claim(path, None, node.common.loc)
        elif node.functional:
            path = scope.functional(f"{name or kind.name}()")
        else:
            path = scope.child(name)
        try:
            params = evaluate_params(kind, node.fields, env)
            out, windows, covers = _applied(kind, params, x.shape)
        except InputError as error:
            loc = node.field_locs.get(error.param, node.common.loc)
            raise error.located(f"{loc}: layer '{path}' ({node.kind}), input {show(x.shape)}") from None
        if node.functional and (out.params or out.buffers):
            raise InputError(f"{node.common.loc}: layer '{path}' ({node.kind}) has parameters or buffers, so it "
                             f"cannot be applied as a function: leave out 'functional'")
        if not (node.functional or kind.attribute):
            self._claim(path, (kind.name, params.key()) if not (out.params or out.buffers) else None, node.common.loc)
        axes = _through(x.axes, out.spatial, out.shape)
        self._add(Row(path, kind.name, out.type_name, x.shape, out.shape, out.params, out.buffers, out.macs,
                      out.ops, _spatial(axes), covers, windows, aux, not (node.functional or kind.attribute),
                      node.common.loc, params))
        made = _Tensor(out.shape, axes, len(self.rows) - 1)
        self.program.append(made.source)  # _made, inlined: the walk's most frequent step
        self.outputs.tensors[path] = made, self.head
        return made

    def share(self, node: ShareNode, x: _Tensor, scope: _Scope, env: Env, aux: bool) -> _Tensor:
        """The layer module `node.path` names, applied again: the row of its latest use gives its settings."""
        loc = node.common.loc
        used = self.rows[self.outputs.module(expand(node.path, env, loc), scope.path, loc, self.rows)]
        if x.shape[0] != used.input[0] or len(x.shape) != len(used.input):
            raise InputError(f"{loc}: 'share: {node.path}': the module '{used.path}' takes "
                             f"{show(used.input)} ({used.loc}); here it would get {show(x.shape)}")
        try:
            out, windows, covers = _applied(BY_NAME[used.kind], used.settings, x.shape)
        except InputError as error:
            raise error.located(f"{loc}: shared layer '{used.path}' ({used.kind}), input "
                                f"{show(x.shape)}") from None
        axes = _through(x.axes, out.spatial, out.shape)
        self._add(Row(used.path, used.kind, out.type_name, x.shape, out.shape, 0, 0, out.macs, out.ops,
                      _spatial(axes), covers, windows, aux, True, loc, used.settings, True))
        return self._made(used.path, _Tensor(out.shape, axes, len(self.rows) - 1))

    def read(self, path: str, scope: _Scope, env: Env, loc: Loc, key: str) -> _Tensor:
        """An earlier output (`from`), which becomes the current tensor: a Read step in the program."""
        x = self.outputs.resolve(expand(path, env, loc), scope.path, self.head, loc, key, path)
        self.program.append(Read(x.source))
        return x

    def _made(self, path: str, x: _Tensor) -> _Tensor:
        """The row just added ran: the program runs it, and references may read its output by its path."""
        self.program.append(x.source)
        self.outputs.record(path, x, self.head)
        return x

    def merge(self, node: MergeNode, x: _Tensor, scope: _Scope, env: Env, aux: bool) -> _Tensor:
        outer, outs, branches = self.program, [], []
        left = self.work  # a step for each branch
        self.work = left - len(node.branches)
        if self.work < 0:
            raise self._overspent(node.branches, left)
        for branch in node.branches:
            self.program = []
            outs.append(self.node(branch, x, scope, env, aux))
            branches.append(tuple(self.program))
        self.program = outer
        shape, ops = _merged(node, scope, [o.shape for o in outs])
        axes = _merged_axes(outs, shape)
        path = scope.functional(node.op)
        self._add(Row(path, node.op, node.op, x.shape, shape, 0, 0, 0, ops, _spatial(axes), (), (), aux, False,
                      node.common.loc))
        outer.append(Merge(node.op, tuple(branches), len(self.rows) - 1))
        out = _Tensor(shape, axes, len(self.rows) - 1)
        self.outputs.record(path, out, self.head)
        return out

    def call(self, node: CallNode, x: _Tensor, scope: _Scope, env: Env, aux: bool) -> _Tensor:
        block = self.model.blocks[node.block]
        try:
            bound = bind_arguments(block.params, node.args, env, self.model_env, f"block '{node.block}'")
        except InputError as error:
            loc = node.arg_locs.get(error.param, node.common.loc)
            raise error.located(f"{loc}: block '{scope.path}' ({node.block})") from None
        return self.sequence(block.body.children, x, scope, {**self.model_env, **bound}, aux)

    def _scope(self, scope: _Scope, common, env: Env, seq: bool = False) -> _Scope:
        """A module that holds others: a block call, a named sequence or merge, an aux head. A named sequence
        may open its module again (a ModuleList whose members run between others': Res2Net's convs and bns); its
        unnamed children go on being numbered where they stopped."""
        path = scope.child(_name(common, env))
        if seq and self.names.get(path) is _REOPENED:
            return self.scopes[path]
        self._claim(path, _REOPENED if seq else None, common.loc)
        inner = _Scope(path)
        if seq:
            self.scopes[path] = inner
        return inner

    def _named(self, scope: _Scope, common, env: Env, seq: bool = False) -> _Scope:
        """A named container opens a module scope; an unnamed one is transparent."""
        return self._scope(scope, common, env, seq) if common.name is not None else scope

    def _claim(self, path: str, shareable, loc: Loc) -> None:
        """A module path names one module. torch runs a parameter-free module twice where code calls it twice
        (ResNet's relu), so the same parameter-free layer may repeat a name; nothing else may."""
        if path in self.names and (shareable is None or shareable is _REOPENED or self.names[path] != shareable):
            raise InputError(f"{loc}: the module name '{path}' is used twice; a layer with parameters or a module "
                             f"that holds others needs a name of its own (inside a repeat, leave the name out)")
        self.names[path] = shareable

    def _value(self, f: Field, value: Value, env: Env, name: str, loc: Loc, scope: _Scope):
        try:
            return field_value(f, value, env, name)
        except InputError as error:
            raise error.located(f"{loc}: in '{scope.path or 'model'}'") from None

    def _overspent(self, nodes: tuple[Node, ...], left: int) -> InputError:
        """Steps for `nodes` with `left` to pay them: the first that cannot be paid is where the work passes."""
        return InputError(f"{nodes[left].common.loc}: more than {MAX_WORK} {WORK}; cnninspect stops here")

    def _least(self, node: Node) -> int:
        """The steps `node` surely costs (least_work): what would surely run out of steps is refused at once,
        rather than walked until it does."""
        return least_work(node, self.model.blocks, self.least)

    def _too_much(self, loc: Loc, what: str) -> InputError:
        return InputError(f"{loc}: {what} would pass {MAX_WORK} {WORK}; cnninspect stops here")

    def _add(self, row: Row) -> None:
        if len(self.rows) >= MAX_ROWS:
            raise InputError(f"{row.loc}: more than {MAX_ROWS} layers; cnninspect stops here")
        self.rows.append(row)


def analyze(model: Model, input_shape: "Shape | Mapping[str, Shape] | None" = None,
            args: Mapping[str, Value] | None = None) -> Analysis:
    """Walk the model over one sample of `input_shape` (default: the spec's), with `args` over its defaults.
    A model of several inputs takes a mapping of their names to shapes (those left out keep the spec's), or the
    first input's shape alone."""
    inputs = inputs_of(model, input_shape)
    shape = inputs[0][1]
    unknown = set(args or {}) - set(model.args)
    if unknown:
        known = ", ".join(sorted(model.args)) or "none"
        raise InputError(f"unknown model argument '{sorted(unknown)[0]}' (this model's arguments: {known})")
    settings = tuple(sorted((args or {}).items()))
    plan = _PLANS.get(id(model))
    if plan is not None and plan[0] is model and plan[1] == settings:
        replayed = _replay(plan[2], inputs)
        if replayed is not None:
            return replayed
    try:
        env = bind_arguments(model.args, args or {}, {}, {}, f"model '{model.name}'")
    except InputError as error:
        raise error.located(str(model.arg_locs.get(error.param, model.file))) from None
    walk = _Walk(model, env)
    starts = [_start(s, -1 - k) for k, (_, s) in enumerate(inputs)]
    for (name, _), start in zip(inputs, starts):
        walk.outputs.record(name, start, None)
    end = walk.sequence(model.body.children, starts[0], _Scope(""), env, False)
    analysis = Analysis(model, shape, end.shape, _spatial(end.axes), tuple(walk.rows), tuple(walk.program), inputs,
                        frozenset(walk.outputs.read))
    _keep_plan(model, settings, analysis)
    return analysis


def _keep_plan(model: Model, settings: tuple, analysis: Analysis) -> None:
    """The model's last walk becomes its plan; the oldest plans go first, within MAX_PLANS and MAX_PLAN_ROWS."""
    _PLANS.pop(id(model), None)
    if len(analysis.rows) > MAX_PLAN_ROWS:
        return
    while _PLANS and (len(_PLANS) >= MAX_PLANS
                      or sum(len(kept[2].rows) for kept in _PLANS.values()) + len(analysis.rows) > MAX_PLAN_ROWS):
        _PLANS.pop(next(iter(_PLANS), None), None)  # pop, not del: another thread may have taken it
    _PLANS[id(model)] = model, settings, analysis  # holding the model keeps its id from being reused


def clear_caches() -> None:
    """Forget kept rule results and plans (to measure a first analysis, or to free their memory)."""
    _RULES.clear()
    _PLANS.clear()
    window.clear_caches()
    coverage.cache_clear()


_RULES: dict = {}  # (kind, settings, input shape) -> (RuleOut, windows, coverage)
_PLANS: dict = {}  # id(model) -> (model, its arguments, its last Analysis)


def _applied(kind, params: Params, shape: Shape) -> tuple:
    """A layer kind's rule on `shape`, with the windows it uses and how they cover each axis; kept, being pure."""
    key = (kind.name, params.key(), shape)
    found = _RULES.get(key)
    if found is None:
        out = kind.rule(params, shape)
        per_axis = out.spatial if type(out.spatial) is tuple else ()
        windows = tuple(a for a in per_axis if isinstance(a, AxisWindow))
        found = out, windows, tuple(coverage(a, n) for a, n in zip(windows, shape[1:]))
        if len(_RULES) >= MAX_RULES:
            _RULES.clear()
        _RULES[key] = found
    return found


def _start(shape: Shape, source: int = -1) -> _Tensor:
    """The network's input: each spatial position reads itself."""
    return _Tensor(shape, (None, *(Footprint.identity() for _ in shape[1:])), source)


def _replay(plan: Analysis, inputs: tuple[tuple[str, Shape], ...]) -> Analysis | None:
    """The plan's layers, with their settings, through its program again at another input shape; None where a
    tensor's channels differ from the walk's, a rule or a merge refuses, or a layer gains or loses parameters
    (the walk's checks would differ: a walk then gives the answer, or says where and why not)."""
    if any(shape[0] != old[0] for (_, shape), (_, old) in zip(inputs, plan.inputs)):
        return None
    rows = list(plan.rows)
    kept = {-1 - k: _start(shape) for k, (_, shape) in enumerate(inputs)}  # what Read steps take again
    try:
        end = _replay_program(plan.program, plan.rows, rows, kept[-1], kept, plan.reads)
    except InputError:
        return None
    return Analysis(plan.model, inputs[0][1], end.shape, _spatial(end.axes), tuple(rows), plan.program, inputs,
                    plan.reads)


_row = functools.partial(tuple.__new__, Row)  # Row(*fields) without the Python frame of its __new__: the replay's loop


def _replay_program(program: Program, old: tuple[Row, ...], new: list[Row], x: _Tensor, kept: dict,
                    reads: frozenset) -> _Tensor:
    """`kept`: the outputs of the steps in `reads` met so far (and the inputs), for the Read steps."""
    shape, axes = x[0], x[1]
    footprint = _spatial(axes)
    for step in program:
        if type(step) is int:
            row = old[step]
            out, windows, covers = _applied(BY_NAME[row.kind], row.settings, shape)
            changed = (not (out.params or out.buffers)) != (not (row.params or row.buffers)) and not row.shared
            if out.shape[0] != row.output[0] or changed:  # a shared row's parameters are its first use's
                raise InputError("not as walked")
            if out.spatial != () or len(out.shape) != len(shape):  # elementwise layers keep every footprint
                axes = _through(axes, out.spatial, out.shape)
                footprint = _spatial(axes)
            new[step] = _row((row.path, row.kind, out.type_name, shape, out.shape, 0 if row.shared else out.params,
                              0 if row.shared else out.buffers, out.macs, out.ops, footprint, covers, windows, row.aux,
                              row.module, row.loc, row.settings, row.shared))
            shape = out.shape
            if step in reads:
                kept[step] = _Tensor(shape, axes)
        elif isinstance(step, Merge):
            x = _Tensor(shape, axes)
            outs = [_replay_program(branch, old, new, x, kept, reads) for branch in step.branches]
            merged, ops = _merge_shape(step.op, [o.shape for o in outs])
            if merged[0] != old[step.row].output[0]:
                raise InputError("not as walked")
            axes = _merged_axes(outs, merged)
            footprint = _spatial(axes)
            new[step.row] = old[step.row]._replace(input=shape, output=merged, ops=ops, footprint=footprint)
            shape = merged
            if step.row in reads:
                kept[step.row] = _Tensor(shape, axes)
        elif isinstance(step, Read):
            shape, axes = kept[step.source][:2]
            footprint = _spatial(axes)
        else:  # Aux: a training-only head reads the tensor and passes it on
            _replay_program(step.body, old, new, _Tensor(shape, axes), kept, reads)
    return _Tensor(shape, axes)


def least_work(node: Node, blocks: Mapping, memo: dict, depth: int = 0) -> int:
    """The steps a walk surely spends on `node`, from what the spec writes (a condition or a repeat count that
    is an expression may be false or 0: it counts for the node's own step only); at most MAX_WORK + 1.
    A node costs one; a sequence, merge or aux head, one more than its parts; a call, the block's body; a repeat,
    one more than `times` runs of its body, each one more than the body's parts. Past MAX_NESTING levels (where
    the walk stops anyway) a node counts one. Memoized by node, as a walk meets the same block again and again."""
    found = memo.get(id(node))
    if found is not None:
        return found
    when, kind, depth = node.common.when, type(node), depth + 1
    if (when is not None and when is not True) or kind in _LEAVES or depth > MAX_NESTING:
        steps = 1
    elif kind is SeqNode or kind is MergeNode:
        steps = 1
        for part in node.children if kind is SeqNode else node.branches:  # a layer, the common part, costs one
            steps += 1 if type(part) is LayerNode else least_work(part, blocks, memo, depth)
    elif kind is RepeatNode:
        times = node.times if type(node.times) is int and node.times > 0 else 0
        steps = 1 + times * least_work(node.body, blocks, memo, depth) if times else 1
    elif kind is CallNode:  # the call's step, then the body's parts
        steps = least_work(blocks[node.block].body, blocks, memo, depth)
    else:  # AuxNode
        steps = least_work(node.body, blocks, memo, depth)
    memo[id(node)] = steps = min(steps, MAX_WORK + 1)
    return steps


_LEAVES = (LayerNode, RefNode, ShareNode)
_REOPENED = ("seq",)  # what a named sequence claims: its name may open it again


def _rows_added(body: SeqNode) -> int:
    """The rows every run of a body surely adds: its layers and merges that no condition can skip."""
    return sum(type(child) in (LayerNode, MergeNode) and child.common.when is None for child in body.children)


def _name(common, env: Env) -> str | None:
    """A node's name, its {expressions} evaluated: `denselayer{i + 1}` in a repeat."""
    if common.name is None or "{" not in common.name:
        return common.name
    try:
        name = _TEMPLATE.sub(lambda m: str(evaluate(m[1], env)), common.name)
    except ExprError as error:
        raise InputError(f"{common.loc}: name {common.name!r}: {error}") from None
    if not _NAME.fullmatch(name):
        raise InputError(f"{common.loc}: name {common.name!r} gives {name!r}: a name is up to 100 characters "
                         f"without dots or spaces")
    return name


def _merged(node: MergeNode, scope: _Scope, shapes: list[Shape]) -> tuple[Shape, int]:
    try:
        return _merge_shape(node.op, shapes)
    except InputError as error:
        raise error.located(f"{node.common.loc}: {node.op} in '{scope.path or 'model'}'") from None


def _merge_shape(op: str, shapes: list[Shape]) -> tuple[Shape, int]:
    """The shape a merge gives, and its ops: add needs equal shapes, mul broadcasts (a squeeze-excitation's
    scale), concat joins channels."""
    if op == "concat":
        if len({(len(s), s[1:]) for s in shapes}) > 1:
            raise InputError(f"the branches differ beyond their channels: {', '.join(map(show, shapes))}")
        shape = (sum(s[0] for s in shapes), *shapes[0][1:])
        check_sizes(shape, "output")  # channels doubled by each concat of a repeat would grow without end
        return shape, 0
    first = shapes[0]
    if all(s == first for s in shapes):  # the common case, and the only one add accepts
        return first, (len(shapes) - 1) * numel(first)
    if op == "add":
        raise InputError(f"the branches' shapes differ: {', '.join(map(show, shapes))}")
    if len({len(s) for s in shapes}) > 1 or any(len({n for n in sizes if n != 1}) > 1 for sizes in zip(*shapes)):
        raise InputError(f"the branches' shapes do not broadcast: {', '.join(map(show, shapes))}")
    shape = tuple(max(sizes) for sizes in zip(*shapes))
    return shape, (len(shapes) - 1) * numel(shape)


def _through(axes: Axes, spatial, shape: Shape) -> Axes:
    """The footprints of a layer's output axes, from its input's (None: every output reads every input)."""
    if axes is None or spatial is None:
        return None
    if type(spatial) is tuple:  # per axis, or () for elementwise: the common cases first
        if not spatial:
            return axes if len(axes) == len(shape) else None
        if axes[0] is not None:  # a window over axes 1.. mixes axis 0, the channels: here it holds positions
            return None
        return (None, *[f.through(axis) for f, axis in zip(axes[1:], spatial)])
    if isinstance(spatial, Reorder):
        return tuple(axes[i] for i in spatial.order)
    if isinstance(spatial, MixAxis):  # mixing the channels (a None axis) keeps every position's window
        return axes if axes[spatial.axis] is None else None
    if isinstance(spatial, Fuse):
        fused = axes[spatial.first: spatial.last + 1]
        return None if any(fused) else (*axes[: spatial.first], None, *axes[spatial.last + 1:])
    raise TypeError(f"a rule gave an unknown spatial mapping: {spatial!r}")


def _merged_axes(outs: list[_Tensor], shape: Shape) -> Axes:
    axes = _broadcast(outs[0].axes, outs[0].shape, shape)
    for other in outs[1:]:
        axes = _union(axes, _broadcast(other.axes, other.shape, shape))
    return axes


def _union(a: Axes, b: Axes) -> Axes:
    if a is None or b is None or len(a) != len(b):
        return None
    if any((x is None) != (y is None) for x, y in zip(a, b)):
        return None
    return tuple(x if x is None else x.union(y) for x, y in zip(a, b))


def _broadcast(axes: Axes, shape: Shape, to: Shape) -> Axes:
    """An axis of size 1 broadcast over a larger one: every output position reads its one position."""
    if axes is None or shape == to:
        return axes
    return tuple(f.constant() if f is not None and n == 1 and m > 1 else f for f, n, m in zip(axes, shape, to))


def _spatial(axes: Axes) -> tuple[Footprint, ...] | None:
    """What a Row shows: the footprints of the axes that hold positions."""
    if axes is None:
        return None
    if axes[0] is None and None not in axes[1:]:  # the common layout: channels, then positions
        return axes[1:]
    return tuple(f for f in axes if f is not None)
