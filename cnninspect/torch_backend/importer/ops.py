"""What each traced function or method call is: a layer applied as a function, a merge, or nothing at all.

One table per kind of call: FUNCTIONS by the function itself, METHODS by the tensor method's name. A handler
receives the call's arguments (tensors as their fx nodes) and the shapes torch measured, and returns an Effect:

- Layer(kind, fields, input): a `functional: true` layer (F.relu, torch.flatten, x.mean ...);
- Merge(op, inputs): add, mul or concat of tensors (operator.add, torch.cat ...);
- Alias(input): the same tensor (x.contiguous());
- Query(): not a tensor (x.size(0), x.dim()): only a reshape may use it, and the shapes check that.

Anything else raises Unsupported, and the import lists it. Shapes are per sample (no batch).
"""

from __future__ import annotations

import inspect
import operator
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F

from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.torch_backend.importer.table import Unsupported, axes

SCALE = "scale"  # x * a number, where the catalog has that kind


class Layer(NamedTuple):
    kind: str
    fields: dict
    input: object  # the fx node of the tensor it reads


class Merge(NamedTuple):
    op: str
    inputs: tuple


class Alias(NamedTuple):
    input: object
    expanded: bool = False  # a broadcast (expand_as): only an add or a mul may read it


class Stack(NamedTuple):
    """torch.stack along dim 1: each input reshaped to `shape` (unsqueezed), then joined (a concat)."""

    inputs: tuple
    shape: list


class Query(NamedTuple):
    pass


class Composite(NamedTuple):
    """A module that is several layers in a row (timm's BatchNormAct2d): (kind, fields, functional) each."""

    parts: list
    input: object


class Chunks(NamedTuple):
    """torch.chunk's tuple of pieces: each getitem of it becomes a `chunk` layer."""

    input: object
    chunks: int
    dim: int


class Indices(NamedTuple):
    """The indices a max pool returned (the second item of its tuple): only a max unpool may read them."""

    pool: object  # the fx node of the pool's call


class Unpool(NamedTuple):
    """A max unpool's call: its settings, the values, the indices and torch's output_size as traced."""

    fields: dict
    input: object
    indices: object
    size: object  # None, an fx node (x.size()), or numbers


Call = NamedTuple("Call", [("args", tuple), ("kwargs", dict), ("shape_in", tuple), ("shape_out", tuple),
                           ("is_node", Callable), ("batch_kept", bool)])


def _bound(fn, args, kwargs, names: tuple[str, ...]) -> dict:
    """The arguments by name, as `fn`'s signature binds them (or, for a builtin, by `names` in order)."""
    try:
        signature = inspect.signature(fn)
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in signature.parameters.values()):
            raise TypeError("a wrapper (F.max_pool2d's boolean dispatch): bind by the names")
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)
    except (TypeError, ValueError):
        values = dict(zip(names, args))
        values.update(kwargs)
        return values


def _elementwise(kind: str, names=("input", "inplace"), keep=("inplace",)):
    def handler(fn, call: Call):
        values = _bound(fn, call.args, call.kwargs, names)
        first = values.get(names[0], call.args[0] if call.args else None)
        fields = {key: values[key] for key in keep if key in values and values[key] is not None}
        return Layer(kind, fields, first)
    return handler


def _flatten(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("input", "start_dim", "end_dim"))
    return Layer("flatten", {"start_dim": values.get("start_dim", 0), "end_dim": values.get("end_dim", -1)},
                 values.get("input", call.args[0]))


def _reshape(fn, call: Call):
    """x.view(n, ...), x.reshape(n, ...): a flatten from dim 1 where the shapes say so, else a `reshape` to the
    per-sample shape torch measured (a −1 kept where the call wrote one), the batch kept as the first size."""
    if len(call.shape_out) == 1 and len(call.shape_in) > 1:
        return Layer("flatten", {"start_dim": 1, "end_dim": -1}, call.args[0])
    if call.shape_out == call.shape_in:
        return Alias(call.args[0])
    sizes = list(call.args[1:])
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = list(sizes[0])
    if len(sizes) != len(call.shape_out) + 1 or not call.batch_kept:
        raise Unsupported(f"a reshape from {_show(call.shape_in)} to {_show(call.shape_out)} that moves the batch")
    written = sizes[1:]
    shape = [-1 if size == -1 else n for size, n in zip(written, call.shape_out)]
    return Layer("reshape", {"shape": shape}, call.args[0])


def _unsqueeze(fn, call: Call):
    """x.unsqueeze(d) after the batch: a reshape to the shape torch measured."""
    values = _bound(fn, call.args, call.kwargs, ("input", "dim"))
    rank = len(call.shape_out) + 1
    if values.get("dim", 0) % rank == 0:
        raise Unsupported("an unsqueeze before the batch")
    return Layer("reshape", {"shape": list(call.shape_out)}, values.get("input", call.args[0]))


def _squeeze(fn, call: Call):
    if not call.batch_kept:
        raise Unsupported("a squeeze of the batch")
    if call.shape_out == call.shape_in:
        return Alias(call.args[0])
    return Layer("reshape", {"shape": list(call.shape_out)}, call.args[0])


def _expand(fn, call: Call):
    """x.expand_as(y), x.expand(...): the same tensor, broadcast where an add or a mul reads it (the reader
    refuses it anywhere else): the merge's broadcasting gives the same sizes and values."""
    if not call.batch_kept:
        raise Unsupported("an expand of the batch")
    return Alias(call.args[0], expanded=True)


def _transpose(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("input", "dim0", "dim1"))
    rank = len(call.shape_in) + 1
    a, b = values.get("dim0", call.args[1]) % rank, values.get("dim1", call.args[2]) % rank
    if 0 in (a, b):
        raise Unsupported("a transpose of the batch")
    dims = list(range(rank))
    dims[a], dims[b] = dims[b], dims[a]
    return Layer("permute", {"dims": dims}, values.get("input", call.args[0]))


def _stack(fn, call: Call):
    """torch.stack(xs, 1): each x unsqueezed at 1 (a reshape), joined along dim 1 (a concat)."""
    values = _bound(fn, call.args, call.kwargs, ("tensors", "dim"))
    tensors, dim = list(values.get("tensors", call.args[0])), values.get("dim", 0)
    if dim % (len(call.shape_out) + 1) != 1 or len(tensors) < 2:
        raise Unsupported(f"torch.stack along dim {dim} (only along dim 1, of two tensors or more)")
    return Stack(tuple(tensors), [1, *call.shape_out[1:]])


def _dropout(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("input", "p", "training", "inplace"))
    return Layer("dropout", {"p": float(values.get("p", 0.5)), "inplace": bool(values.get("inplace", False))},
                 values.get("input", call.args[0]))


_POOL_ARGS = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")


def _window(kind: str, names: tuple[str, ...], rename: dict, indices: bool = False):
    def handler(fn, call: Call):
        values = _bound(fn, call.args, call.kwargs, names)
        if indices:  # max_pool2d_with_indices: a tuple whatever return_indices says
            values["return_indices"] = True
        if values.get("return_indices") and kind != "maxpool":
            raise Unsupported(f"{kind} returning indices")
        fields = {rename.get(key, key): axes(value) for key, value in values.items()
                  if key not in ("input", "return_indices") and value is not None}
        if values.get("return_indices"):
            fields["indices"] = True
        if kind in ("maxpool", "avgpool") and fields.get("stride") in ([], ()):
            fields.pop("stride")  # F.max_pool2d(x, 3, stride=[]) is the kernel's stride
        return Layer(kind, fields, values.get("input", call.args[0]))
    return handler


def _unpool(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("input", "indices", "kernel_size", "stride", "padding",
                                                 "output_size"))
    fields = {"kernel": axes(values["kernel_size"])}
    if values.get("stride") is not None:
        fields["stride"] = axes(values["stride"])
    fields["padding"] = axes(values.get("padding", 0))
    return Unpool(fields, values["input"], values["indices"], values.get("output_size"))


def _adaptive(kind: str):
    def handler(fn, call: Call):
        values = _bound(fn, call.args, call.kwargs, ("input", "output_size"))
        size = values.get("output_size")
        if size is None or (isinstance(size, (tuple, list)) and None in size):
            raise Unsupported(f"{kind} keeping an axis (output size None)")
        return Layer(kind, {"size": axes(size)}, values.get("input", call.args[0]))
    return handler


def _softmax(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("input", "dim"))
    if values.get("dim") is None:
        raise Unsupported("softmax without a dim")
    return Layer("softmax", {"dim": values["dim"]}, values.get("input", call.args[0]))


def _binary(op: str):
    """Two tensors: a merge. A tensor and a number: nothing where the number changes nothing (x + 0, x * 1,
    MobileOne's `out = 0; out += branch(x)`), a `scale` layer for x * a number; else refused."""

    def handler(fn, call: Call):
        operands = [a for a in call.args[:2]]
        if len(operands) == 2 and all(call.is_node(a) for a in operands) and call.kwargs.get("alpha", 1) == 1:
            return Merge(op, tuple(operands))
        tensors = [a for a in operands if call.is_node(a)]
        numbers = [a for a in operands if isinstance(a, (int, float)) and not isinstance(a, bool)]
        if len(operands) == 2 and len(tensors) == 1 and len(numbers) == 1 and call.kwargs.get("alpha", 1) == 1:
            number = numbers[0]
            if number == (0 if op == "add" else 1):
                return Alias(tensors[0])
            if op == "mul" and SCALE in BY_NAME:
                return Layer(SCALE, {"factor": float(number)}, tensors[0])
        raise Unsupported(f"{op} with a number (not two tensors)")
    return handler


def _cat(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("tensors", "dim"))
    tensors, dim = values.get("tensors", call.args[0]), values.get("dim", 0)
    rank = len(call.shape_out) + 1
    if len(tensors) == 1:
        return Alias(tensors[0])  # torch.cat of one tensor: that tensor (DenseNet's first layer)
    if dim % rank != 1:
        raise Unsupported(f"torch.cat along dim {dim} (concat joins the channels, dim 1)")
    return Merge("concat", tuple(tensors))


def _chunk(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("input", "chunks", "dim"))
    return Chunks(values.get("input", call.args[0]), values.get("chunks", call.args[1] if len(call.args) > 1 else 1),
                  values.get("dim", 0))


def _split(fn, call: Call):
    """torch.split(x, size, dim): the pieces torch.chunk gives where the sizes are the same (the last shorter)."""
    values = _bound(fn, call.args, call.kwargs, ("tensor", "split_size_or_sections", "dim"))
    size, dim = values.get("split_size_or_sections", call.args[1]), values.get("dim", 0)
    rank = len(call.shape_in) + 1
    n = call.shape_in[dim % rank - 1] if dim % rank else None
    if isinstance(size, (list, tuple)) and size and len(set(size[:-1])) == 1 and size[-1] <= size[0]:
        size = size[0] if sum(size) == n else None
    if not isinstance(size, int) or n is None or size < 1:
        raise Unsupported("torch.split into pieces of different sizes")
    chunks = -(-n // size)
    if -(-n // chunks) != size:
        raise Unsupported(f"torch.split into pieces of {size} (no torch.chunk gives them)")
    return Chunks(values.get("tensor", call.args[0]), chunks, dim)


def _permute(fn, call: Call):
    dims = call.args[1:] if len(call.args) > 2 or not isinstance(call.args[1], (tuple, list)) else call.args[1]
    dims = list(call.kwargs.get("dims", dims))
    return Layer("permute", {"dims": dims}, call.args[0])


def _mean(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("input", "dim", "keepdim"))
    dim = values.get("dim")
    if dim is None or values.get("dtype") is not None:
        raise Unsupported("mean over every dimension" if dim is None else "mean with a dtype")
    dim = list(dim) if isinstance(dim, (tuple, list)) else dim
    return Layer("mean", {"dim": dim, "keepdim": bool(values.get("keepdim", False))}, values.get("input", call.args[0]))


def _reduce_as(kind: str):
    def handler(fn, call: Call):
        values = _bound(fn, call.args, call.kwargs, ("input", "dim", "keepdim"))
        dim = values.get("dim")
        if dim is None or values.get("dtype") is not None:
            raise Unsupported(f"{kind} over every dimension" if dim is None else f"{kind} with a dtype")
        dim = list(dim) if isinstance(dim, (tuple, list)) else dim
        return Layer(kind, {"dim": dim, "keepdim": bool(values.get("keepdim", False))},
                     values.get("input", call.args[0]))
    return handler


def _interpolate(fn, call: Call):
    """F.interpolate(x, size=..., mode=...): an `upsample` to the size torch gave (a size or a scale as called)."""
    values = _bound(fn, call.args, call.kwargs, ("input", "size", "scale_factor", "mode", "align_corners",
                                                  "recompute_scale_factor", "antialias"))
    if values.get("recompute_scale_factor") or values.get("antialias"):
        raise Unsupported("F.interpolate recomputing its scale, or antialiased")
    scale = values.get("scale_factor")
    if isinstance(scale, (tuple, list)):
        scale = scale[0] if len(set(scale)) == 1 else _no(f"F.interpolate by a scale per axis {tuple(scale)}")
    fields = {"mode": values.get("mode", "nearest"), "align_corners": values.get("align_corners")}
    if values.get("size") is not None:
        fields["size"] = axes(list(call.shape_out[1:]))
    elif scale is not None:
        fields["scale"] = float(scale)
    else:
        raise Unsupported("F.interpolate without a size or a scale")
    return Layer("upsample", fields, values.get("input", call.args[0]))


def _no(reason: str):
    raise Unsupported(reason)


def _narrow(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("input", "dim", "start", "length"))
    rank = len(call.shape_in) + 1
    dim = values.get("dim", 0)
    if dim % rank == 0 or not all(isinstance(values.get(k), int) for k in ("start", "length")):
        raise Unsupported("a narrow of the batch, or from a tensor start")
    return Layer("narrow", {"start": values["start"] % call.shape_in[dim % rank - 1], "length": values["length"],
                            "dim": dim}, values.get("input", call.args[0]))


def _pad(fn, call: Call):
    values = _bound(fn, call.args, call.kwargs, ("input", "pad", "mode", "value"))
    mode, value = values.get("mode", "constant"), values.get("value") or 0.0
    kind = {"constant": "constant_pad" if value else "zero_pad", "reflect": "reflection_pad",
            "replicate": "replication_pad"}.get(mode)
    if kind is None:
        raise Unsupported(f"F.pad in mode {mode!r}")
    fields = {"padding": list(values.get("pad", call.args[1]))}
    if kind == "constant_pad":
        fields["value"] = float(value)
    return Layer(kind, fields, values.get("input", call.args[0]))


def _show(shape) -> str:
    return "x".join(map(str, shape))


FUNCTIONS: dict = {
    F.relu: _elementwise("relu"), torch.relu: _elementwise("relu"), torch.relu_: _elementwise("relu"),
    F.relu6: _elementwise("relu6"), F.silu: _elementwise("silu"), F.hardswish: _elementwise("hardswish"),
    F.hardsigmoid: _elementwise("hardsigmoid"),
    F.leaky_relu: _elementwise("leaky_relu", ("input", "negative_slope", "inplace"), ("negative_slope", "inplace")),
    F.gelu: _elementwise("gelu", ("input", "approximate"), ("approximate",)),
    torch.sigmoid: _elementwise("sigmoid", ("input",), ()), F.sigmoid: _elementwise("sigmoid", ("input",), ()),
    torch.tanh: _elementwise("tanh", ("input",), ()), F.tanh: _elementwise("tanh", ("input",), ()),
    F.softmax: _softmax, torch.softmax: _softmax,
    F.log_softmax: lambda fn, call: Layer("log_softmax", {"dim": _softmax(fn, call).fields["dim"]}, call.args[0]),
    F.elu: _elementwise("elu", ("input", "alpha", "inplace"), ("alpha", "inplace")),
    torch.mean: _mean, F.pad: _pad, torch.narrow: _narrow, F.interpolate: _interpolate,
    torch.flatten: _flatten,
    F.dropout: _dropout,
    F.max_pool1d: _window("maxpool", ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                                      "return_indices"), {"kernel_size": "kernel"}),
    F.max_pool2d: _window("maxpool", ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                                      "return_indices"), {"kernel_size": "kernel"}),
    F.max_pool3d: _window("maxpool", ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                                      "return_indices"), {"kernel_size": "kernel"}),
    **{getattr(F, f"avg_pool{n}d"): _window("avgpool", ("input", "kernel_size", "stride", "padding", "ceil_mode",
                                                        "count_include_pad", "divisor_override"),
                                            {"kernel_size": "kernel"}) for n in (2, 3)},
    **{getattr(F, f"adaptive_avg_pool{n}d"): _adaptive("adaptive_avgpool") for n in (1, 2, 3)},
    **{getattr(F, f"adaptive_max_pool{n}d"): _adaptive("adaptive_maxpool") for n in (1, 2, 3)},
    **{getattr(F, f"max_unpool{n}d"): _unpool for n in (1, 2, 3)},
    **{getattr(F, f"max_pool{n}d_with_indices"): _window("maxpool", _POOL_ARGS, {"kernel_size": "kernel"}, True)
       for n in (1, 2, 3)},  # F.max_pool2d(..., return_indices=True), as fx records it
    operator.add: _binary("add"), operator.iadd: _binary("add"), torch.add: _binary("add"),
    operator.mul: _binary("mul"), operator.imul: _binary("mul"), torch.mul: _binary("mul"),
    torch.cat: _cat, torch.concat: _cat,
    torch.chunk: _chunk, torch.split: _split,
    torch.permute: _permute, torch.transpose: _transpose,
    torch.sum: _reduce_as("sum"), torch.amax: _reduce_as("amax"), torch.stack: _stack,
    torch.unsqueeze: _unsqueeze, torch.squeeze: _squeeze, torch.reshape: _reshape,
}

METHODS: dict[str, Callable] = {
    "relu": _elementwise("relu", ("input",), ()), "relu_": _elementwise("relu", ("input",), ()),
    "sigmoid": _elementwise("sigmoid", ("input",), ()), "tanh": _elementwise("tanh", ("input",), ()),
    "flatten": _flatten, "view": _reshape, "reshape": _reshape,
    "add": _binary("add"), "add_": _binary("add"), "mul": _binary("mul"), "mul_": _binary("mul"),
    "chunk": _chunk, "split": _split, "permute": _permute, "mean": _mean, "transpose": _transpose,
    "narrow": _narrow, "sum": _reduce_as("sum"), "amax": _reduce_as("amax"), "softmax": _softmax,
    "unsqueeze": _unsqueeze, "squeeze": _squeeze, "expand_as": _expand, "expand": _expand,
    "contiguous": lambda fn, call: Alias(call.args[0]),
    "size": lambda fn, call: Query(), "dim": lambda fn, call: Query(),
}


def _method(name: str):
    return getattr(torch.Tensor, name, None)
