"""Trace a module into a flat list of layer and merge applications, each with the shape torch measured.

torch.fx's symbolic tracer, with the classes the table knows kept whole (leaf modules) and every other module
traced through, so each layer keeps the module path it has in the source. The traced graph is then run once,
node by node, on an example input (no gradients), with each module call's FLOPs by FlopCounterMode's formulas (flops.py): each op's output shape
and the model's FLOPs are torch's own, for the importer's final check.

Every node becomes an Op (a layer, a merge, the input), an alias of another, or a non-tensor value (a size);
what cannot be expressed is collected as a Problem, all of them, so the import lists every one at once.
"""

from __future__ import annotations

import operator
from typing import NamedTuple

import torch
import torch.fx as fx
from torch import nn

from cnninspect.torch_backend.importer import ops as calls
from cnninspect.torch_backend.importer.table import COMPOSITES, Unsupported, axes, is_known, lookup, qualified, read


class Op(NamedTuple):
    id: str  # the fx node's name
    kind: str  # a layer kind, a merge's op (add, mul, concat), or "input"
    merge: bool
    fields: dict
    inputs: tuple[str, ...]  # the ops it reads
    path: str  # module path (a module), attribute path (a layer_scale), "" (a function, a merge)
    scope: tuple[str, ...]  # the module whose forward ran it
    functional: bool
    shape: tuple[int, ...]  # its output, per sample
    cls: str = ""  # a module's class, qualified


class Problem(NamedTuple):
    what: str  # "module torch.nn.modules.normalization.GroupNorm", "op torch.roll", ...
    where: str  # the first module path (or node) it occurs at
    why: str = ""


class Traced(NamedTuple):
    ops: dict  # id -> Op, in forward order
    output: str
    problems: list
    flops: int  # FlopCounterMode's total for one sample
    calls: dict  # module path -> how many times the forward pass called it
    tracer: str
    pairs: dict = {}  # a max unpool's op -> the max pool's op whose indices it reads


class TraceFailed(Exception):
    """fx could not trace the module (data-dependent control flow, an untraceable call): its first line."""


class _Tracer(fx.Tracer):
    """Leaves: the modules the table knows, and every torch.nn module (never traced into). A module the
    forward calls that is not registered in the model (a module applied as a function) becomes a call of it."""

    def __init__(self, autowrap) -> None:
        super().__init__(autowrap_functions=tuple(autowrap))

    def is_leaf_module(self, m: nn.Module, qualified_name: str) -> bool:
        return is_known(m) or super().is_leaf_module(m, qualified_name)

    def call_module(self, m, forward, args, kwargs):
        try:
            self.path_of_module(m)
        except NameError:
            if lookup(m) is not None:
                return self.create_proxy("call_function", Applied(m), args, kwargs)
            return forward(*args, **kwargs)
        return super().call_module(m, forward, args, kwargs)


class Applied:
    """A module applied as a function: the call's target (fx names a node after its target's __name__)."""

    def __init__(self, module: nn.Module) -> None:
        self.module = module
        self.__name__ = type(module).__name__.lower()

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)


def _autowrapped() -> list:
    """Library functions kept whole where they have a kind (torchvision's channel_shuffle), if loaded."""
    import sys

    found = []
    shufflenet = sys.modules.get("torchvision.models.shufflenetv2")
    if shufflenet is not None and hasattr(shufflenet, "channel_shuffle"):
        found.append(shufflenet.channel_shuffle)
    return found


def _no_extras(module: nn.Module) -> dict | None:
    """A forward's *args and **kwargs traced as empty: one input (forward(self, x, *more), as cnninspect.build's)."""
    import inspect

    extras = {}
    for name, parameter in inspect.signature(type(module).forward).parameters.items():
        if parameter.kind is parameter.VAR_POSITIONAL:
            extras[f"*{name}"] = ()
        elif parameter.kind is parameter.VAR_KEYWORD:
            extras[f"**{name}"] = {}
    return extras or None


def _channel_shuffle(fn, call):
    groups = call.args[1] if len(call.args) > 1 else call.kwargs.get("groups")
    return calls.Layer("channel_shuffle", {"groups": groups}, call.args[0])


def trace(module: nn.Module, shape: tuple[int, ...], training: bool = False) -> Traced:
    """The module traced in its current mode; `training`: a forward that may return several outputs (the main
    one first, as GoogLeNet's and Inception v3's do), run on a batch of 2 (batch norm trains on more than one
    value per channel). torch.fx first; where fx fails, torch.export (non-strict), its graph lifted back to
    module calls (exported.py); the Traced says which."""
    wrapped = _autowrapped()
    try:
        fx_tracer = _Tracer(wrapped)
        try:
            graph = fx_tracer.trace(module, concrete_args=_no_extras(module))
        finally:  # it holds the module (root, tensor_attrs) in a cycle with its proxies: without this, a model's
            vars(fx_tracer).clear()  # weights outlive the import until a full collection (GBs over many imports)
        tracer = "torch.fx"
    except Exception as error:  # fx raises anything at all (TraceError, TypeError, an assertion in user code)
        text = str(error).strip().splitlines()
        reason = f"{type(error).__name__}: {text[0][:200] if text else ''}"
        from cnninspect.torch_backend.importer import exported

        graph = exported.graph(module, shape, training, reason)  # TraceFailed: neither can trace it
        tracer = f"torch.export (non-strict; torch.fx failed: {reason})"
    return _Reader(module, {fn: _channel_shuffle for fn in wrapped}, training).read(graph, shape)._replace(
        tracer=tracer)


class _Reader:
    def __init__(self, root: nn.Module, extra: dict, training: bool = False) -> None:
        self.root = root
        self.training = training
        self.extra = extra
        self.ops: dict[str, Op] = {}
        self.alias: dict[str, str] = {}
        self.chunks: dict[str, calls.Chunks] = {}
        self.params: set[str] = set()  # get_attr nodes
        self.problems: list[Problem] = []
        self.calls: dict[str, int] = {}
        self.values: dict[str, object] = {}
        self.output = ""
        self.flops = 0  # FlopCounterMode's count of the forward pass (flops.py)
        self.tuples: dict[str, tuple] = {}  # a named tuple of outputs, made in the forward (training mode)
        self.expanded: set[str] = set()  # aliases that are broadcasts (expand_as): only add and mul read them
        self.pools: set[str] = set()  # max pools returning (values, indices)
        self.indices: dict[str, str] = {}  # a node holding a pool's indices -> the pool's op
        self.pairs: dict[str, str] = {}  # a max unpool's op -> its pool's op

    def read(self, graph: fx.Graph, shape: tuple[int, ...]) -> Traced:
        with torch.no_grad():
            device = next((p.device for p in self.root.parameters()), torch.device("cpu"))
            example = torch.zeros(2 if self.training else 1, *shape, device=device)
            for node in graph.nodes:
                try:
                    self.node(node, example)
                except Unsupported as why:
                    self.problem(node, str(why))
        return Traced(self.ops, self.output, self.problems, self.flops, self.calls, "torch.fx", self.pairs)

    # --- one node ------------------------------------------------------------------------------------------

    def node(self, node: fx.Node, example) -> None:
        if node.op == "placeholder":
            if any(op.kind == "input" for op in self.ops.values()):
                raise Unsupported("a second input")
            self.values[node.name] = example
            self.ops[node.name] = Op(node.name, "input", False, {}, (), "", (), False, tuple(example.shape[1:]))
            return
        if node.op == "output":
            result = node.args[0]
            if self.training and isinstance(result, fx.Node) and result.name in self.tuples:
                result = self.tuples[result.name]  # GoogLeNetOutputs(logits, aux2, aux1): the logits first
            if isinstance(result, (tuple, list)) and (len(result) == 1 or self.training and result):
                result = result[0]  # fx wraps the output of a forward with *args in a list
            if not isinstance(result, fx.Node) or self.ref(result) not in self.ops:
                raise Unsupported("an output that is not one tensor (a tuple, a dict)")
            if result.name in self.expanded:
                raise Unsupported("op Tensor.expand_as as the output (only add and mul broadcast)")
            self.output = self.ref(result)
            return
        value = self.run(node)
        self.values[node.name] = value
        if self.training and node.op == "call_function" and isinstance(node.target, type) \
                and issubclass(node.target, tuple):
            self.tuples[node.name] = tuple(node.args) + tuple(node.kwargs.values())
            return
        if node.op == "get_attr":
            self.params.add(node.name)
            return
        effect = self.effect(node, value)
        self.apply(node, effect, value)

    def run(self, node: fx.Node):
        args, kwargs = fx.node.map_arg((node.args, node.kwargs), lambda n: self.values[n.name])
        if node.op == "get_attr":
            found = self.root
            for part in node.target.split("."):
                found = getattr(found, part)
            return found
        if node.op == "call_module":
            self.calls[node.target] = self.calls.get(node.target, 0) + 1
            return self.counted(self.root.get_submodule(node.target), args, kwargs)
        if node.op == "call_function":
            if isinstance(node.target, Applied):
                return self.counted(node.target.module, args, kwargs)
            return node.target(*args, **kwargs)
        return getattr(args[0], node.target)(*args[1:], **kwargs)  # call_method

    def counted(self, module: nn.Module, args, kwargs):
        from cnninspect.torch_backend.importer.flops import module_flops

        out = module(*args, **kwargs)
        if args and isinstance(args[0], torch.Tensor) and isinstance(out, torch.Tensor):
            self.flops += module_flops(module, tuple(args[0].shape), tuple(out.shape))
        return out

    def effect(self, node: fx.Node, value):
        if node.op == "call_module":
            module = self.root.get_submodule(node.target)
            composite = COMPOSITES.get(qualified(type(module)))
            if composite is not None:
                return calls.Composite(composite(module), node.args[0])
            if lookup(module) is None:
                raise Unsupported(f"module {qualified(type(module))}")
            kind, fields = read(module)
            if kind == "maxunpool":  # unpool(x, indices, output_size=None)
                size = node.args[2] if len(node.args) > 2 else node.kwargs.get("output_size")
                return calls.Unpool(fields, node.args[0], node.args[1] if len(node.args) > 1 else
                                    node.kwargs.get("indices"), size)
            tensors = [a for a in node.args if isinstance(a, fx.Node)]
            if len(tensors) != 1 or len(node.args) != 1 or node.kwargs:
                raise Unsupported(f"module {qualified(type(module))} called with {len(node.args)} arguments")
            return calls.Layer(kind, fields, tensors[0])
        target = node.target
        if isinstance(target, Applied):  # a module applied as a function (not registered in the model)
            kind, fields = read(target.module)
            return calls.Layer(kind, fields, node.args[0])
        if node.op == "call_function" and target is operator.getitem:
            return self.getitem(node)
        if node.op == "call_function" and target is getattr:
            return calls.Query()
        if not isinstance(value, torch.Tensor) and not self.reads_tensor(node):
            return calls.Query()  # arithmetic on sizes, an assertion on them (timm's _assert(x.ndim == 4))
        first = node.args[0] if node.args else None
        if isinstance(first, fx.Node) and first.name in self.params and node.op == "call_method" \
                and target not in ("mul", "mul_", "add", "add_"):
            tensor = self.values[first.name]
            raise Unsupported(f"op {self.op_name(node)} of a parameter (the format's layer_scale holds one of C×1×1, "
                              f"multiplied in; this is {first.target}, {'x'.join(map(str, tensor.shape)) or 'a scalar'})")
        handler = (calls.METHODS.get(target) if node.op == "call_method"
                   else self.extra.get(target) or calls.FUNCTIONS.get(target))
        if handler is None:
            raise Unsupported(f"op {self.op_name(node)}")
        fn = getattr(torch.Tensor, target, None) if node.op == "call_method" else target
        shape_in = self.first_shape(node)
        shape_out = tuple(value.shape[1:]) if isinstance(value, torch.Tensor) else ()
        batch_kept = isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape[0] == self.batch(node)
        return handler(fn, calls.Call(node.args, dict(node.kwargs), shape_in, shape_out,
                                      lambda a: isinstance(a, fx.Node) and (self.ref(a) in self.ops or a.name in self.params),
                                      batch_kept))

    def batch(self, node: fx.Node):
        """The batch size of the first tensor the node reads (None: it reads none)."""
        for arg in node.all_input_nodes:
            value = self.values.get(arg.name)
            if isinstance(value, torch.Tensor) and value.dim() > 0:
                return value.shape[0]
        return None

    def reads_tensor(self, node: fx.Node) -> bool:
        found = []
        fx.node.map_arg((node.args, node.kwargs), lambda n: found.append(isinstance(self.values.get(n.name),
                                                                                      torch.Tensor)))
        return any(found)

    def getitem(self, node: fx.Node):
        source, index = node.args
        if isinstance(source, fx.Node) and source.name in self.pools and index in (0, 1, -1, -2):
            return calls.Alias(source) if index in (0, -2) else calls.Indices(source.name)  # (values, indices)
        if isinstance(source, fx.Node) and source.name in self.chunks:
            piece = self.chunks[source.name]
            if isinstance(index, int) and index < 0:  # spx[-1]: counted from the pieces torch.chunk made
                index += len(self.values[source.name])
            return calls.Layer("chunk", {"chunks": piece.chunks, "index": index, "dim": piece.dim}, piece.input)
        if isinstance(source, fx.Node) and not isinstance(self.values.get(source.name), torch.Tensor):
            return calls.Query()  # x.shape[0], a size
        return self.slice(source, index)

    def slice(self, source, index):
        """x[:, a:b, ...]: the whole tensor (an alias), or a piece along one dimension: a `chunk` where torch.chunk
        gives that piece (ShuffleNet-like splits read as before), else a `narrow`; any other indexing is refused."""
        value = self.values.get(source.name) if isinstance(source, fx.Node) else None
        items = index if isinstance(index, tuple) else (index,)
        if not isinstance(value, torch.Tensor) or not all(isinstance(i, slice) or i is Ellipsis for i in items) \
                or list(items).count(Ellipsis) > 1:
            raise Unsupported("op indexing a tensor (x[...]) other than by slices")
        if Ellipsis in items:
            at = items.index(Ellipsis)
            items = items[:at] + (slice(None),) * (value.dim() - len(items) + 1) + items[at + 1:]
        cut = []
        for dim, (item, n) in enumerate(zip(items, value.shape)):
            start, stop, step = item.indices(n)
            if step != 1 or (dim == 0 and (start, stop) != (0, n)):
                raise Unsupported("op slicing a tensor with a step, or across the batch")
            if (start, stop) != (0, n):
                cut.append((dim, start, stop, n))
        if not cut:
            return calls.Alias(source)
        if len(cut) == 1:
            dim, start, stop, n = cut[0]
            size = stop - start
            for chunks in range(1, n + 1):  # the fewest pieces whose one is this (torch.chunk's sizes)
                piece = -(-n // chunks)
                if piece == size and start % piece == 0 and stop == min(n, start + piece):
                    return calls.Layer("chunk", {"chunks": chunks, "index": start // piece, "dim": dim}, source)
            return calls.Layer("narrow", {"start": start, "length": size, "dim": dim}, source)
        where = ", ".join(f"dim {d}: {a}:{b} of {n}" for d, a, b, n in cut)
        raise Unsupported(f"op slicing a tensor (x[...]) along more than one dimension ({where})")

    def apply(self, node: fx.Node, effect, value) -> None:
        if isinstance(effect, calls.Query):
            if isinstance(value, torch.Tensor):
                raise Unsupported(f"op {self.op_name(node)}")
            return
        if isinstance(effect, calls.Chunks):
            self.chunks[node.name] = effect
            return
        if isinstance(effect, calls.Composite):
            self.composite(node, effect, value)
            return
        if isinstance(effect, calls.Indices):
            self.indices[node.name] = effect.pool
            return
        if isinstance(effect, calls.Layer) and effect.fields.get("indices") is True and isinstance(value, tuple):
            self.pools.add(node.name)  # a max pool's (values, indices): its op holds the values
            value = value[0]
        if isinstance(effect, calls.Unpool):
            effect = self.unpool(node, effect)
        if not isinstance(value, torch.Tensor):
            raise Unsupported(f"op {self.op_name(node)} (its result is not a tensor)")
        shape = tuple(value.shape[1:])
        if isinstance(effect, calls.Alias):
            self.alias[node.name] = self.tensor(effect.input)
            if effect.expanded or effect.input.name in self.expanded:
                self.expanded.add(node.name)
            return
        scope = self.scope(node)
        if isinstance(effect, calls.Stack):
            self.stack(node, effect, shape, scope)
            return
        if isinstance(effect, calls.Merge):
            if effect.op == "concat" and any(isinstance(a, fx.Node) and a.name in self.expanded
                                             for a in effect.inputs):
                raise Unsupported("op Tensor.expand_as read by a concat (only add and mul broadcast)")
            params = [a for a in effect.inputs if isinstance(a, fx.Node) and a.name in self.params]
            if effect.op == "mul" and len(params) == 1 and len(effect.inputs) == 2:
                self.layer_scale(node, params[0], [a for a in effect.inputs if a is not params[0]][0], shape, scope)
                return
            inputs = tuple(self.tensor(a) for a in effect.inputs)
            self.ops[node.name] = Op(node.name, effect.op, True, {}, inputs, "", scope, False, shape)
            return
        if isinstance(effect.input, fx.Node) and effect.input.name in self.expanded:
            raise Unsupported("op Tensor.expand_as read by a layer (only add and mul broadcast)")
        source = self.tensor(effect.input)
        if node.op == "call_module":
            module = self.root.get_submodule(node.target)
            parent = tuple(node.target.split(".")[:-1])
            self.ops[node.name] = Op(node.name, effect.kind, False, effect.fields, (source,), node.target, parent,
                                     False, shape, qualified(type(module)))
            return
        self.ops[node.name] = Op(node.name, effect.kind, False, effect.fields, (source,), "", scope, True, shape)

    def unpool(self, node: fx.Node, effect) -> calls.Layer:
        """A max unpool: a layer reading its values, paired with the pool whose indices it reads (`pairs`), its
        output_size `input` where it is that pool's input's size() (SegNet's), numbers where they are literal."""
        pool = self.indices.get(effect.indices.name) if isinstance(effect.indices, fx.Node) else None
        if pool is None:
            raise Unsupported("op max_unpool of indices no max pool returned here (return_indices=True)")
        fields, size, pooled = dict(effect.fields), effect.size, self.ops[pool]
        rank = len(pooled.shape) - 1
        if isinstance(size, fx.Node):
            read = size.args[0] if size.op == "call_method" and size.target == "size" and len(size.args) == 1 \
                and not size.kwargs else None
            if not isinstance(read, fx.Node) or self.ref(read) != pooled.inputs[0]:
                raise Unsupported("op max_unpool with an output_size other than its pool's input's size() or "
                                  "numbers")
            fields["size"] = "input"
        elif size is not None:
            sizes = list(size)[2:] if len(size) == rank + 2 else list(size)
            if len(sizes) != rank or not all(type(n) is int for n in sizes):
                raise Unsupported("op max_unpool with an output_size other than its pool's input's size() or "
                                  "numbers")
            fields["size"] = axes(sizes)
        self.pairs[node.name] = pool
        return calls.Layer("maxunpool", fields, effect.input)

    def stack(self, node: fx.Node, effect, shape, scope) -> None:
        """torch.stack(xs, 1): each input a functional reshape (unsqueezed at 1), then a concat of them."""
        parts = []
        for index, tensor in enumerate(effect.inputs):
            if isinstance(tensor, fx.Node) and tensor.name in self.expanded:
                raise Unsupported("op Tensor.expand_as read by torch.stack")
            source = self.tensor(tensor)
            op_id = f"{node.name}__{index}"
            self.ops[op_id] = Op(op_id, "reshape", False, {"shape": list(effect.shape)}, (source,), "", scope,
                                 True, tuple(effect.shape))
            parts.append(op_id)
        self.ops[node.name] = Op(node.name, "concat", True, {}, tuple(parts), "", scope, False, shape)

    def composite(self, node: fx.Node, effect, value) -> None:
        """Its parts in a row: the first the module (its path), the rest functions beside it; the last one's id is
        the node's, as later nodes read it. Each keeps the shape: the composites here are elementwise."""
        source = self.tensor(effect.input)
        parent = tuple(node.target.split(".")[:-1])
        shape = tuple(value.shape[1:])
        module = self.root.get_submodule(node.target)
        for index, (kind, fields, functional) in enumerate(effect.parts):
            op_id = node.name if index == len(effect.parts) - 1 else f"{node.name}__{index}"
            self.ops[op_id] = Op(op_id, kind, False, fields, (source,), "" if functional else node.target, parent,
                                 functional, shape, "" if functional else qualified(type(module)))
            source = op_id

    def layer_scale(self, node, param: fx.Node, other, shape, scope) -> None:
        tensor = self.values[param.name]
        source = self.tensor(other)
        channels = self.ops[source].shape
        wanted = (channels[0], *([1] * (len(channels) - 1)))
        if not isinstance(tensor, nn.Parameter) or tuple(tensor.shape) != wanted:
            raise Unsupported(f"op mul by a tensor of shape {tuple(tensor.shape)} (a layer scale is "
                              f"{'x'.join(map(str, wanted))})")
        path = param.target
        self.ops[node.name] = Op(node.name, "layer_scale", False, {}, (source,), path,
                                 tuple(path.split(".")[:-1]), False, shape)

    # --- helpers -------------------------------------------------------------------------------------------

    def ref(self, node: fx.Node) -> str:
        return self.alias.get(node.name, node.name)

    def tensor(self, arg) -> str:
        if not isinstance(arg, fx.Node) or self.ref(arg) not in self.ops:
            raise Unsupported("op on something that is not a traced tensor (a constant, a parameter)")
        return self.ref(arg)

    def first_shape(self, node: fx.Node) -> tuple:
        for arg in node.args:
            if isinstance(arg, fx.Node) and isinstance(self.values.get(arg.name), torch.Tensor):
                return tuple(self.values[arg.name].shape[1:])
        return ()

    def scope(self, node: fx.Node) -> tuple[str, ...]:
        stack = node.meta.get("nn_module_stack") or {}
        if not stack:
            return ()
        path = list(stack.values())[-1][0] if isinstance(list(stack.values())[-1], tuple) else list(stack)[-1]
        return tuple(path.split(".")) if path else ()

    def op_name(self, node: fx.Node) -> str:
        if node.op == "call_method":
            return f"Tensor.{node.target}"
        target = node.target
        module = getattr(target, "__module__", None) or ""
        name = getattr(target, "__name__", None) or str(target)
        if module.startswith("torch._C") or module == "torch._ops":
            module = "torch"
        return f"{module}.{name}" if module and module != "builtins" else name

    def problem(self, node: fx.Node, why: str) -> None:
        where = node.target if node.op == "call_module" else ".".join(self.scope(node)) or "the model"
        what, _, detail = why.partition(" (")
        self.problems.append(Problem(what, str(where), f"({detail}" if detail else ""))
        if node.name not in self.values:
            return
        value = self.values.get(node.name)
        if isinstance(value, torch.Tensor):  # keep going: the ops after it are read, and their problems listed
            self.ops[node.name] = Op(node.name, "identity", False, {}, tuple(
                self.ref(a) for a in node.all_input_nodes if self.ref(a) in self.ops)[:1], "", (), True,
                tuple(value.shape[1:]))
