"""The analytic engine: walk a model's graph over an input shape, layer by layer, with the registered rules.

Torch-free and file-free. It names no layer kind: each leaf's kind is looked up in the catalog and its rule does
the arithmetic (core/program.py runs a step; the replay of core/plan.py runs the same steps again). The walk
keeps the tensor's shape and footprints, names every module as PyTorch would (core/naming.py), evaluates the
spec's expressions where the layers meet their inputs (core/evaluate.py), and writes the program: one Row per
layer application, and how the rows compose. Its bounds are core/work.py's.

Two memories make repeated analysis cheap, and neither changes a result: rule results kept by (kind, settings,
input shape), since rules are pure; and a model's last walk kept as a plan that another input size replays.
clear_caches() forgets both.
"""

from __future__ import annotations

from typing import Mapping

from cnninspect.core import plan as plans
from cnninspect.core.evaluate import Env, bind_arguments, evaluate_params, field_value
from cnninspect.core.graph import (AuxNode, CallNode, LayerNode, Loc, MergeNode, Model, Node, RefNode, RepeatNode,
                                   SeqNode, ShareNode, Value)
from cnninspect.core.layers.base import Field, Shape, show
from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.core.naming import Names, Scope, name_of
from cnninspect.core import paired
from cnninspect.core.program import (Analysis, Aux, Merge, Program, Row, Tensor, clear_rules, has_state,
                                     run_layer, run_merge, start)
from cnninspect.core.receptive import shown
from cnninspect.core.refs import Outputs, Read, expand, inputs_of
from cnninspect.core import work
from cnninspect.core.work import least_work, overspent, rows_added, too_deep, too_many_rows, too_much
from cnninspect.errors import InputError

__all__ = ["Analysis", "Aux", "Merge", "Program", "Row", "analyze", "clear_caches"]
_CONDITION = Field("bool")
_TIMES = Field("int", low=0)


class _Walk:
    __slots__ = ("model", "model_env", "rows", "program", "names", "depth", "work", "least", "outputs", "head")

    def __init__(self, model: Model, model_env: Env) -> None:
        self.model = model
        self.model_env = model_env  # the model's arguments: what a block sees besides its own
        self.rows: list[Row] = []
        self.program: list = []  # the steps of the sequence being walked
        self.names = Names()
        self.depth = 0
        self.work = work.MAX_WORK  # steps left: work that adds no layer (skipped bodies, calls) is bounded too
        self.least: dict = {}  # id(node) -> the steps it surely costs (least_work)
        self.outputs = Outputs()  # what references may read
        self.head: str | None = None  # the auxiliary head being walked, if any

    def node(self, node: Node, x: Tensor, scope: Scope, env: Env, aux: bool, labelled: bool = False) -> Tensor:
        """What every node does (a label, in_channels, a condition, `from`), then what its type does (_VISIT)."""
        common = node.common
        if common.label is not None and not labelled:  # `as: LABEL`: its output (skipped: its input) has a name
            x = self.node(node, x, scope, env, aux, True)
            self.outputs.record(scope.functional(name_of(common._replace(name=common.label), env)), x, self.head)
            return x
        if env.get("in_channels") != x.shape[0]:  # the incoming tensor's channels, a name for expressions
            env = {**env, "in_channels": x.shape[0]}
        if common.when is not None and not self.value(_CONDITION, common.when, env, "if", common.loc, scope):
            return x
        if common.source is not None or type(node) is RefNode:  # an earlier output instead of the incoming tensor
            x = self.read(common.source or node.path, scope, env, common.loc, "from" if common.source else node.key)
            if type(node) is RefNode:
                return x
            if env.get("in_channels") != x.shape[0]:
                env = {**env, "in_channels": x.shape[0]}
        self.depth += 1
        if self.depth > work.MAX_NESTING:
            raise too_deep(common.loc)
        try:
            return _VISIT[type(node)](self, node, x, scope, env, aux)
        finally:
            self.depth -= 1

    def sequence(self, children: tuple[Node, ...], x: Tensor, scope: Scope, env: Env, aux: bool) -> Tensor:
        left = self.work  # a step for each child, paid for the lot at once
        self.work = left - len(children)
        if self.work < 0:
            raise overspent(children, left)
        for child in children:
            if env.get("in_channels") != x.shape[0]:  # once per change, not once per node: node() checks again
                env = {**env, "in_channels": x.shape[0]}
            x = self.node(child, x, scope, env, aux)
        return x

    def layer(self, node: LayerNode, x: Tensor, scope: Scope, env: Env, aux: bool) -> Tensor:
        kind, loc = BY_NAME[node.kind], node.common.loc
        name = name_of(node.common, env)
        if kind.attribute:  # a tensor its module holds: named, never numbered
            if name is None:
                raise InputError(f"{kind.name} is held by its module as an attribute: give it a name", loc=loc)
            path = scope.functional(name)
            self.names.claim(path, None, loc)
        else:
            path = scope.functional(f"{name or kind.name}()") if node.functional else scope.child(name)
        module, pool = not (node.functional or kind.attribute), None
        try:
            params = evaluate_params(kind, node.fields, env)
            if kind.name in paired.READS:  # it reads an earlier output too: a max unpool, its pool's indices
                params, pool, x = paired.resolve(kind, params, x, self.outputs, self.rows, scope.path, self.head,
                                                 loc, env)
            row, made = run_layer(kind, params, x, path, aux, module, loc, False, len(self.rows))
        except InputError as error:
            raise error.located(f"layer '{path}' ({node.kind}), input {show(x.shape)}",
                                loc=node.field_locs.get(error.param, loc), layer=path) from None
        if node.functional and has_state(row):
            raise InputError(f"layer '{path}' ({node.kind}) has parameters or buffers, so it cannot be applied as a "
                             f"function: leave out 'functional'", loc=loc, layer=path)
        if module:
            key = params.key() if pool is None else paired.module_key(kind, params)  # an unpool: less its call's
            self.names.claim(path, None if has_state(row) else (kind.name, key), loc)
        return self.add(row, made, pool)

    def seq(self, node: SeqNode, x: Tensor, scope: Scope, env: Env, aux: bool) -> Tensor:
        inner = self.contained(scope, node.common, env, seq=True)
        x = self.sequence(node.children, x, inner, env, aux)
        if inner is not scope:
            self.outputs.record(inner.path, x, self.head)
        return x

    def merge(self, node: MergeNode, x: Tensor, scope: Scope, env: Env, aux: bool) -> Tensor:
        inner = self.contained(scope, node.common, env, seq=False)
        outer, outs, branches = self.program, [], []
        left = self.work  # a step for each branch
        self.work = left - len(node.branches)
        if self.work < 0:
            raise overspent(node.branches, left)
        for branch in node.branches:
            self.program = []
            outs.append(self.node(branch, x, inner, env, aux))
            branches.append(tuple(self.program))
        self.program = outer
        path = inner.functional(node.op)
        try:
            row, out = run_merge(node.op, x, outs, path, aux, node.common.loc, len(self.rows))
        except InputError as error:
            raise error.located(f"{node.op} in '{inner.path or 'model'}'", loc=node.common.loc) from None
        self.append_row(row)
        outer.append(Merge(node.op, tuple(branches), out.source))
        self.outputs.record(path, out, self.head)
        if inner is not scope:
            self.outputs.record(inner.path, out, self.head)
        return out

    def share(self, node: ShareNode, x: Tensor, scope: Scope, env: Env, aux: bool) -> Tensor:
        """The layer module `node.path` names, applied again: the row of its latest use gives its settings."""
        loc = node.common.loc
        used = self.rows[self.outputs.module(expand(node.path, env, loc), scope.path, loc, self.rows)]
        paired.refuse_shared(used, loc)
        if x.shape[0] != used.input[0] or len(x.shape) != len(used.input):
            raise InputError(f"'share: {node.path}': the module '{used.path}' takes {show(used.input)} "
                             f"({used.loc}); here it would get {show(x.shape)}", loc=loc)
        try:
            row, made = run_layer(BY_NAME[used.kind], used.settings, x, used.path, aux, True, loc, True,
                                  len(self.rows))
        except InputError as error:
            raise error.located(f"shared layer '{used.path}' ({used.kind}), input {show(x.shape)}", loc=loc,
                                layer=used.path) from None
        return self.add(row, made)

    def repeat(self, node: RepeatNode, x: Tensor, scope: Scope, env: Env, aux: bool) -> Tensor:
        loc = node.common.loc
        times = self.value(_TIMES, node.times, env, "times", loc, scope)
        if len(self.rows) + times * rows_added(node.body) > work.MAX_ROWS:  # refuse before walking
            raise too_many_rows(loc, f"repeat {times} times")
        if times * least_work(node.body, self.model.blocks, self.least) > self.work:
            raise too_much(loc, f"repeat {times} times")
        self.work -= times  # each run of the body costs a step, whatever it holds
        for i in range(times):
            x = self.sequence(node.body.children, x, scope, {**env, node.var: i}, aux)
        return x

    def call(self, node: CallNode, x: Tensor, scope: Scope, env: Env, aux: bool) -> Tensor:
        block, loc = self.model.blocks[node.block], node.common.loc
        if least_work(block.body, self.model.blocks, self.least) - 1 > self.work:  # its parts
            raise too_much(loc, f"block '{node.block}'")
        if block.inline and node.common.name is not None:
            raise InputError(f"block '{node.block}' is inline: its layers join the caller's module, so a call has "
                             f"no name", loc=loc)
        inner = scope if block.inline else self.names.open(scope, name_of(node.common, env), loc, False)
        try:
            bound = bind_arguments(block.params, node.args, env, self.model_env, f"block '{node.block}'")
        except InputError as error:
            raise error.located(f"block '{inner.path}' ({node.block})", loc=node.arg_locs.get(error.param, loc),
                                layer=inner.path) from None
        x = self.sequence(block.body.children, x, inner, {**self.model_env, **bound}, aux)
        if not block.inline:
            self.outputs.record(inner.path, x, self.head)
        return x

    def aux(self, node: AuxNode, x: Tensor, scope: Scope, env: Env, aux: bool) -> Tensor:
        """A training-only head: its own program, and what it computes visible only within it."""
        outer, self.program, head = self.program, [], self.head
        inner = self.names.open(scope, name_of(node.common, env), node.common.loc, False)
        self.head = inner.path
        self.sequence(node.body.children, x, inner, env, True)
        outer.append(Aux(tuple(self.program)))
        self.program, self.head = outer, head
        return x

    def read(self, path: str, scope: Scope, env: Env, loc: Loc, key: str) -> Tensor:
        """An earlier output (`from`), which becomes the current tensor: a Read step in the program."""
        x = self.outputs.resolve(expand(path, env, loc), scope.path, self.head, loc, key, path)
        self.program.append(Read(x.source))
        return x

    def add(self, row: Row, made: Tensor, pool: int | None = None) -> Tensor:
        """A layer's row: the program runs it (with the indices of the pool step `pool`, if any), and references
        may read its output by its path."""
        self.append_row(row)
        self.program.append(made.source if pool is None else paired.Paired(made.source, pool))
        self.outputs.record(row.path, made, self.head)
        return made

    def append_row(self, row: Row) -> None:
        if len(self.rows) >= work.MAX_ROWS:
            raise too_many_rows(row.loc)
        self.rows.append(row)

    def contained(self, scope: Scope, common, env: Env, seq: bool) -> Scope:
        """A named container opens a module scope; an unnamed one is transparent."""
        return self.names.open(scope, name_of(common, env), common.loc, seq) if common.name is not None else scope

    def value(self, field: Field, value: Value, env: Env, name: str, loc: Loc, scope: Scope):
        try:
            return field_value(field, value, env, name)
        except InputError as error:
            raise error.located(f"in '{scope.path or 'model'}'", loc=loc, layer=scope.path) from None


_VISIT = {LayerNode: _Walk.layer, SeqNode: _Walk.seq, MergeNode: _Walk.merge, ShareNode: _Walk.share,
          RepeatNode: _Walk.repeat, CallNode: _Walk.call, AuxNode: _Walk.aux}  # what each node type does


def analyze(model: Model, input_shape: Shape | Mapping[str, Shape] | None = None,
            args: Mapping[str, Value] | None = None) -> Analysis:
    """Walk the model over one sample of `input_shape` (default: the spec's), with `args` over its defaults.
    A model of several inputs takes a mapping of their names to shapes (those left out keep the spec's), or the
    first input's shape alone."""
    inputs = inputs_of(model, input_shape)
    unknown = set(args or {}) - set(model.args)
    if unknown:
        known = ", ".join(sorted(model.args)) or "none"
        raise InputError(f"unknown model argument '{sorted(unknown)[0]}' (this model's arguments: {known})")
    settings = tuple(sorted((args or {}).items()))
    kept = plans.find(model, settings)
    replayed = kept and plans.replay(kept.analysis, inputs)
    if replayed:
        return replayed
    try:
        env = bind_arguments(model.args, args or {}, {}, {}, f"model '{model.name}'")
    except InputError as error:
        raise error.located(loc=model.arg_locs.get(error.param) or Loc(str(model.file))) from None
    walk = _Walk(model, env)
    starts = [start(shape, -1 - k) for k, (_, shape) in enumerate(inputs)]
    for (name, _), tensor in zip(inputs, starts):
        walk.outputs.record(name, tensor, None)
    end = walk.sequence(model.body.children, starts[0], Scope(""), env, False)
    analysis = Analysis(model, inputs[0][1], end.shape, shown(end.axes), tuple(walk.rows), tuple(walk.program),
                        inputs, frozenset(walk.outputs.read))
    plans.keep(model, settings, analysis)
    return analysis


def clear_caches() -> None:
    """Forget kept rule results and plans (to measure a first analysis, or to free their memory)."""
    clear_rules()
    plans.clear()

