"""torch.export (non-strict) where torch.fx cannot trace a module: its ATen graph lifted back to module calls.

export runs the forward as Python (data-dependent control flow on sizes, iterators: whatever runs), and records
ATen ops, each with the stack of modules it ran in (`nn_module_stack`). The ops that ran inside a module the
tracer keeps whole (a class the table knows, or a torch.nn module: trace.py's leaves) become one call of that
module, at its path; the ops between modules become the torch function or method the ATen op is (ATEN below),
so the reader (trace.py) sees the graph an fx trace would have given. An ATen op with no entry stays as it is,
and the reader lists it (`op torch.ops.aten....`): never dropped.
"""

from __future__ import annotations

import operator

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

aten = torch.ops.aten

# ATen op -> ("function", torch function) or ("method", Tensor method name): what the fx reader maps
ATEN: dict = {
    aten.relu.default: ("function", torch.relu), aten.relu_.default: ("function", torch.relu_),
    aten.add.Tensor: ("function", operator.add), aten.add_.Tensor: ("function", operator.iadd),
    aten.mul.Tensor: ("function", operator.mul), aten.mul_.Tensor: ("function", operator.imul),
    aten.cat.default: ("function", torch.cat), aten.flatten.using_ints: ("function", torch.flatten),
    aten.view.default: ("method", "view"), aten.reshape.default: ("method", "reshape"),
    aten.mean.dim: ("function", torch.mean), aten.sum.dim_IntList: ("function", torch.sum),
    aten.amax.default: ("function", torch.amax),
    aten.adaptive_avg_pool2d.default: ("function", F.adaptive_avg_pool2d),
    aten.adaptive_avg_pool1d.default: ("function", F.adaptive_avg_pool1d),
    aten.max_pool2d.default: ("function", F.max_pool2d), aten.avg_pool2d.default: ("function", F.avg_pool2d),
    aten.dropout.default: ("function", F.dropout), aten.dropout_.default: ("function", F.dropout),
    aten.sigmoid.default: ("function", torch.sigmoid), aten.tanh.default: ("function", torch.tanh),
    aten.silu.default: ("function", F.silu), aten.silu_.default: ("function", F.silu),
    aten.hardswish.default: ("function", F.hardswish), aten.hardsigmoid.default: ("function", F.hardsigmoid),
    aten.gelu.default: ("function", F.gelu),
    aten.softmax.int: ("function", torch.softmax), aten.log_softmax.int: ("function", F.log_softmax),
    aten.permute.default: ("function", torch.permute), aten.transpose.int: ("function", torch.transpose),
    aten.unsqueeze.default: ("function", torch.unsqueeze), aten.squeeze.dim: ("function", torch.squeeze),
    aten.chunk.default: ("function", torch.chunk), aten.split.Tensor: ("function", torch.split),
    aten.stack.default: ("function", torch.stack), aten.expand.default: ("method", "expand"),
    aten.contiguous.default: ("method", "contiguous"), aten.pad.default: ("function", F.pad),
    aten.upsample_nearest2d.vec: ("function", F.interpolate),
    operator.getitem: ("function", operator.getitem),
}


def _leaf_path(module: nn.Module, stack: dict) -> tuple[str, str] | None:
    """The outermost module on the op's stack that the tracer keeps whole: (its stack key, its path)."""
    from cnninspect.torch_backend.importer.table import is_known

    for key, (path, _) in (stack or {}).items():
        if not path:
            continue
        try:
            sub = module.get_submodule(path)
        except AttributeError:
            return None
        if is_known(sub) or (type(sub).__module__.startswith("torch.nn")
                             and not isinstance(sub, (nn.Sequential, nn.ModuleList, nn.ModuleDict))):
            return key, path
    return None


def graph(module: nn.Module, shape: tuple[int, ...], training: bool, fx_reason: str) -> fx.Graph:
    """The exported graph at module granularity; TraceFailed (trace.py) where export fails too."""
    from cnninspect.torch_backend.importer.trace import TraceFailed

    device = next((p.device for p in module.parameters()), torch.device("cpu"))
    example = torch.zeros(2 if training else 1, *shape, device=device)
    try:
        program = torch.export.export(module, (example,), strict=False)
    except Exception as error:  # export raises anything at all, as fx does
        text = str(error).strip().splitlines()
        raise TraceFailed(f"{fx_reason}; torch.export (non-strict) failed too: {type(error).__name__}: "
                          f"{text[0][:200] if text else ''}") from None
    signature = program.graph_signature
    attrs = {**signature.inputs_to_parameters, **signature.inputs_to_buffers,
             **getattr(signature, "inputs_to_lifted_tensor_constants", {})}
    nodes = list(program.graph.nodes)
    calls = _calls(module, nodes)
    out = fx.Graph()
    env: dict[str, fx.Node] = {}
    for node in nodes:
        members = calls.get(node.name)
        if members is None:
            _copy(out, env, node, attrs, signature)
        elif node is members[0]:
            _call(out, env, members, attrs)
    return out


def _calls(module: nn.Module, nodes: list) -> dict:
    """Each op that ran inside a kept module -> the ops of that call (consecutive ops of one stack entry)."""
    found: dict[str, list] = {}
    current, key = None, None
    for node in nodes:
        leaf = _leaf_path(module, node.meta.get("nn_module_stack")) if node.op == "call_function" else None
        if leaf is None:
            current, key = None, None
            continue
        if current is None or leaf[0] != key:
            current, key = [], leaf[0]
            current.append(leaf[1])  # the path, first
        current.append(node)
        found[node.name] = current
    made: dict[int, _Call] = {}
    return {name: made.setdefault(id(members), _Call(members[0], members[1:])) for name, members in found.items()}


class _Call(list):
    """The ops of one call of a kept module, with its path."""

    def __init__(self, path: str, members: list) -> None:
        super().__init__(members)
        self.path = path


def _call(out: fx.Graph, env: dict, members: "_Call", attrs: dict) -> None:
    """One call of the module at members.path: it reads the one tensor that comes from outside it; its output
    is its last op's, and no other op of it is read from outside."""
    names = {m.name for m in members}
    outside = {a.name: a for m in members for a in m.all_input_nodes if a.name not in names and a.name not in attrs}
    if len(outside) != 1:
        raise _lift_failed(f"a call of {members.path!r} reads {len(outside)} tensors")
    for m in members[:-1]:
        if any(user.name not in names for user in m.users):
            raise _lift_failed(f"an op inside {members.path!r} is read outside it")
    (source,) = outside.values()
    call = out.call_module(members.path, (env[source.name],))
    stack = members[-1].meta.get("nn_module_stack") or {}
    call.meta["nn_module_stack"] = {k: v for k, v in stack.items() if v[0] != members.path and
                                    members.path.startswith(v[0])}
    env[members[-1].name] = call


def _lift_failed(reason: str):
    from cnninspect.torch_backend.importer.trace import TraceFailed

    return TraceFailed(f"torch.export's graph cannot be read as module calls: {reason}")


def _copy(out: fx.Graph, env: dict, node: fx.Node, attrs: dict, signature) -> None:
    if node.op == "placeholder":
        env[node.name] = out.get_attr(attrs[node.name]) if node.name in attrs else out.placeholder(node.name)
        return
    if node.op == "output":
        wanted = set(signature.user_outputs)
        results = [env[n.name] for n in node.args[0] if isinstance(n, fx.Node) and n.name in wanted]
        out.output(results[0] if len(results) == 1 else tuple(results))
        return
    args, kwargs = fx.node.map_arg((node.args, node.kwargs), lambda n: env[n.name])
    if node.target == aten.slice.Tensor:  # x[:, a:b]: the indexing fx would have recorded
        x, dim, start, end, step = (list(args) + [0, None, None, 1][len(args) - 1:])[:5]
        args, kwargs = (x, (*[slice(None)] * dim, slice(start, end, step))), {}
        node_target = ("function", operator.getitem)
    else:
        node_target = None
    how, target = node_target or ATEN.get(node.target, ("function", node.target))
    made = out.call_method(target, args, kwargs) if how == "method" else out.call_function(target, args, kwargs)
    made.meta["nn_module_stack"] = dict(node.meta.get("nn_module_stack") or {})
    env[node.name] = made
