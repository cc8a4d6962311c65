"""What autograd keeps for backward, per layer kind: one rule per kind, in one table (SAVES).

A rule receives the layer's row, the step (batch, element sizes, the storages made so far) and the symbolic
input tensor, and returns the storages the layer saves and its output. Tensors are symbols (Sym): a storage,
whether the tensor requires grad, its element size and its layout. A view (flatten of a contiguous tensor,
permute, chunk, identity, an in-place activation) shares its input's storage; a saved view keeps its whole
storage alive, which is what torch frees or keeps. Each rule is what PyTorch's autograd saves, measured with
torch.autograd.graph.saved_tensors_hooks (tests/training/): the derivatives' saved variables of the ATen ops the
module runs. Parameters and buffers are never counted (they are memory of their own); a layer with no
parameters whose input requires no grad has no backward node and saves nothing (the step drops its saves).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

from cnninspect.core.engine import Row
from cnninspect.core.layers.base import numel

from cnninspect.core.paired import yields_indices
from cnninspect.core.summary import INDEX_BYTES  # max pooling's indices: int64
MASK_BYTES = {"cpu": None, "cuda": 1}  # dropout's mask: the activation's own dtype on CPU, bool on CUDA's fused op


class Sym(NamedTuple):
    """A tensor of the step, as far as memory goes."""

    storage: int  # index of its storage in Step.storages
    grad: bool  # requires grad: it depends on a parameter
    size: int  # bytes per element
    order: tuple[int, ...] | None = None  # a permuted view: its axes are these axes of a contiguous base
    sliced: bool = False  # a narrowed view (torch.chunk) that is not contiguous


class Step:
    """The storages a training step makes, and what every rule needs to know about the step."""

    def __init__(self, batch: int, size: int, mixed: bool, device: str) -> None:
        self.batch = batch
        self.size = size  # the activations' element size (the compute dtype)
        self.mixed = mixed  # autocast: conv and linear compute in `size` from fp32 weights (MASTER bytes)
        self.device = device
        self.storages: list[int] = []  # bytes of each storage

    def new(self, elements: int, size: int) -> int:
        self.storages.append(elements * size)
        return len(self.storages) - 1

    def output(self, row: Row, x: Sym, size: int | None = None) -> Sym:
        """A fresh, contiguous output of the row's shape."""
        size = x.size if size is None else size
        return Sym(self.new(self.batch * numel(row.output), size), x.grad or row.params > 0, size)

    def alias(self, row: Row, x: Sym) -> Sym:
        return x._replace(grad=x.grad or row.params > 0)

    def compute(self, x: Sym, elements: int) -> Sym:
        """The tensor a conv or linear layer computes from: under autocast, a copy of x in the compute dtype."""
        if self.mixed and x.size != self.size:
            return Sym(self.new(elements, self.size), x.grad, self.size, x.order, x.sliced)
        return x

    def weight_copy(self, row: Row, bias: int) -> list[int]:
        """Under autocast a conv or linear layer saves the compute-dtype copy of its weight (not the bias)."""
        return [self.new(row.params - bias, self.size)] if self.mixed else []


Rule = Callable[[Step, Row, Sym], tuple[list[int], Sym]]

# The ops CPU autocast runs in float32, by layer kind and spatial rank (measured, torch 2.13): reflection and
# replication padding (a conv's padding_mode and BlurPool2d's F.pad too), the 3-D pools (lppool's avg_pool3d and
# the 'same' pools' too).
FLOAT32 = {"reflection_pad": (1, 2), "replication_pad": (1, 2, 3), "maxpool": (3,),
           "avgpool": (3,), "adaptive_avgpool": (3,), "adaptive_maxpool": (3,), "maxpool_same": (3,),
           "avgpool_same": (3,), "lppool": (3,)}


def float32(s: Step, row: Row, x: Sym, elements: int, op: str | None = None) -> Sym:
    """What such an op (the row's kind, or `op` within it) computes from: under autocast a float32 copy of a
    16-bit x (and its result is float32)."""
    if s.mixed and x.size != 4 and len(row.input) - 1 in FLOAT32.get(op or row.kind, ()):
        return Sym(s.new(elements, 4), x.grad, 4)
    return x


def contiguous(x: Sym, shape: tuple[int, ...]) -> bool:
    """torch's is_contiguous for a view of `shape` (one sample; the batch stays first): size-1 axes are free."""
    if x.sliced:
        return False
    if x.order is None:
        return True
    kept = [axis for axis, n in zip(x.order, shape) if n != 1]
    return kept == sorted(kept)


def _padded(s: Step, row: Row, x: Sym, widen: Callable) -> Sym:
    """A padded copy of x (F.pad, or ATen's own pad), each spatial axis n + widen(its window)."""
    elements = s.batch * row.input[0] * math.prod(n + widen(w) for n, w in zip(row.input[1:], row.windows))
    return Sym(s.new(elements, x.size), x.grad, x.size)


def _both_sides(w) -> int:
    return w.pad_left + w.pad_right


def _dynamic_same(row: Row) -> bool:
    """timm's dynamic 'same' padding: F.pad makes a padded copy (even of padding 0) before a layer unpadded."""
    return row.kind in ("conv_same", "maxpool_same", "avgpool_same") or getattr(row.settings, "dynamic_same", False)


def _conv(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """convolution saves its input and weight; a padding_mode other than zeros pads first (F.pad), and
    reflect and replicate padding save their input too; so does an asymmetric 'same' padding (a padded copy);
    timm's dynamic 'same' pads a copy with F.pad (which saves nothing) and convolves it unpadded."""
    mode, saves, into = getattr(row.settings, "padding_mode", "zeros"), [], x
    if mode != "zeros":
        op = {"reflect": "reflection_pad", "replicate": "replication_pad"}.get(mode)
        x = float32(s, row, x, s.batch * numel(row.input), op) if op else x
        if op and x.grad:  # circular pads with cat and slices: nothing saved
            saves.append(x.storage)
        into = _padded(s, row, x, _both_sides)
    elif _dynamic_same(row):
        into = _padded(s, row, x, _both_sides)
    elif any(w.pad_left != w.pad_right for w in row.windows):
        # 'same' with an even span: ATen pads a copy by the odd one, then convolves with the even padding
        into = _padded(s, row, x, lambda w: w.pad_right - w.pad_left)
    elements = s.batch * numel(row.input) if into is x else s.storages[into.storage] // into.size
    saves += [s.compute(into, elements).storage, *s.weight_copy(row, row.output[0] * row.settings.bias)]
    return saves, s.output(row, x, s.size if s.mixed else x.size)


def _std_conv(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """The weights standardised per output channel by F.batch_norm over them (training, no running statistics):
    it saves a mean and an inverse deviation per output channel (its input, the weight, is a parameter), and
    ScaledStdConv's gain · scale (a product, one per channel, not a parameter); then a convolution, which saves
    its input and the standardised weight (a tensor of its own, not the parameter). Under autocast the
    statistics stay float32 and the convolution saves its 16-bit copy of the standardised weight instead."""
    out = row.output[0]
    gains = out if row.kind == "scaled_std_conv" else 0
    weight = row.params - out * row.settings.bias - gains
    size = 4 if s.mixed else s.size  # the parameters' dtype
    stats = [s.new(out, size), s.new(out, size), *([s.new(out, size)] if gains else [])]
    conv, y = _conv(s, row._replace(params=row.params - gains), x)
    standardised = [] if s.mixed else [s.new(weight, size)]
    return stats + standardised + conv, y
def _linear(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """addmm / mm save their input; a non-contiguous input of three dimensions or more is reshaped (copied)."""
    elements = s.batch * numel(row.input)
    into = s.compute(x, elements)
    if len(row.input) > 1 and not contiguous(into, row.input):
        into = Sym(s.new(elements, into.size), x.grad, into.size)
    return [into.storage, *s.weight_copy(row, row.output[-1] * row.settings.bias)], \
        s.output(row, x, s.size if s.mixed else x.size)


def _saves_input(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    return [x.storage], s.output(row, x)


def _saves_output(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    out = s.output(row, x)
    return [out.storage], out


def _saves_nothing(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    return [], s.output(row, x)


def _view(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    return [], s.alias(row, x)


def _max_pool(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """max_pool*_with_indices saves its input (3-D, under autocast: its float32 copy) and the int64 indices. With
    `indices: true` (return_indices) the module calls max_pool3d_with_indices itself, which autocast leaves in the
    input's dtype: no copy (measured, torch 2.13)."""
    if not yields_indices(row):
        x = float32(s, row, x, s.batch * numel(row.input))
    return [x.storage, s.new(s.batch * numel(row.output), INDEX_BYTES)], s.output(row, x)


def _avg_pool(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """avg_pool*d saves its input (3-D, under autocast: its float32 copy)."""
    x = float32(s, row, x, s.batch * numel(row.input))
    return [x.storage], s.output(row, x)


def _same_pool(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """timm's MaxPool2dSame / AvgPool2dSame: F.pad's copy (−inf or zeros), pooled unpadded: max pooling saves
    the copy and its indices, average pooling the copy (in 3-D, under autocast, its float32 copy)."""
    padded = _padded(s, row, x, _both_sides)
    padded = float32(s, row, padded, s.storages[padded.storage] // padded.size)
    indices = [s.new(s.batch * numel(row.output), INDEX_BYTES)] if row.kind == "maxpool_same" else []
    return [padded.storage, *indices], s.output(row, padded)


def _lp_pool(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """F.lp_pool: avg_pool(x.pow(p)) — pow saves x, the pool x^p — then (sign(a) · relu(|a|)) · ∏k, ^(1/p):
    abs saves a, relu its result, the product sign(a) (and that result), the last pow its base: four tensors
    of the output's size."""
    elements, powered = s.batch * numel(row.output), s.batch * numel(row.input)
    pooled = float32(s, row, Sym(s.new(powered, x.size), x.grad, x.size), powered)  # 3-D: float32 under autocast
    return [x.storage, pooled.storage, *(s.new(elements, pooled.size) for _ in range(4))], s.output(row, pooled)


def _blur_pool(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """F.pad (reflect saves its input, under autocast a float32 copy of it; constant nothing), then a depthwise
    conv whose filter is a buffer: it saves the padded copy; under autocast, 16-bit copies of that and of the
    filter, C·f² (expanded or not)."""
    reflect = row.settings.pad_mode == "reflect"
    into = float32(s, row, x, s.batch * numel(row.input), "reflection_pad") if reflect else x
    padded = _padded(s, row, into, _both_sides)
    filters = [s.new(row.input[0] * row.settings.filt_size ** 2, s.size)] if s.mixed else []
    saves = [into.storage] if reflect else []
    computed = s.compute(padded, s.storages[padded.storage] // padded.size)
    return saves + [computed.storage, *filters], s.output(row, x, s.size if s.mixed else x.size)


def _pad(saves_input: bool) -> Rule:
    """A fresh padded (or cropped) output, even of padding 0; reflection_pad and replication_pad save their
    input (the derivatives take it, for its sizes; under autocast, its float32 copy); constant_pad_nd and
    circular padding (cat and slices) save nothing."""

    def rule(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
        x = float32(s, row, x, s.batch * numel(row.input))  # reflection and replication: float32 under autocast
        return ([x.storage] if saves_input else []), s.output(row, x)

    return rule


def _amax(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """amax_backward compares the input with the result: both saved."""
    out = s.output(row, x)
    return [x.storage, out.storage], out


def _group_norm(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """native_group_norm saves its input and a mean and inverse deviation per sample and group, of the input's
    dtype (under autocast with affine, of the float32 weight's)."""
    n, size = s.batch * row.settings.groups, x.size
    if row.settings.affine and s.mixed:  # on the CPU, the statistics take the weight's dtype, float32
        size = 4
    return [x.storage, s.new(n, size), s.new(n, size)], s.output(row, x)


def _channel_dropout(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """feature_dropout: p = 0 returns the input; p = 1 multiplies by a zero scalar; otherwise by a mask of one
    element per sample and channel, the activation's dtype (on every device): the factor is saved."""
    p = row.settings
    if p.p == 0:
        return [], s.alias(row, x)
    out = s.alias(row, x) if p.inplace else s.output(row, x)
    return [s.new(1 if p.p == 1 else s.batch * row.input[0], x.size)], out


def _space_to_depth(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """view, permute, contiguous, view: a copy (saving nothing) unless the permuted view is contiguous already
    (blocks of 1, or nothing but the blocks of size over 1)."""
    b = row.settings.block_size
    c, h, w = row.input
    permuted = Sym(x.storage, x.grad, x.size, order=(2, 4, 0, 1, 3))  # (c, h/b, b, w/b, b) -> (b, b, c, h/b, w/b)
    if contiguous(permuted, (b, b, c, h // b, w // b)):
        return [], s.alias(row, x)
    return _saves_nothing(s, row, x)


def _adaptive_avg(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """To an output of size 1, ATen takes a mean, which saves nothing; otherwise it saves its input (3-D, under
    autocast: its float32 copy)."""
    x = float32(s, row, x, s.batch * numel(row.input))
    return ([] if all(n == 1 for n in row.output[1:]) else [x.storage]), s.output(row, x)


def _prelu(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """_prelu_kernel saves its input and its weight (a parameter); CPU autocast runs prelu in the 16-bit type,
    so it saves 16-bit copies of a float32 input and of the weight."""
    into = s.compute(x, s.batch * numel(row.input))
    return [into.storage, *s.weight_copy(row, 0)], s.output(row, x, s.size if s.mixed else x.size)


def _stat(s: Step, x: Sym) -> int:
    """The element size of a norm's saved statistics: float32 under autocast, else the tensor's own."""
    return max(4, x.size) if s.mixed else x.size


def _batch_norm(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """native_batch_norm saves its input and the batch's mean and inverse deviation (C each)."""
    c = row.input[0]
    return [x.storage, s.new(c, _stat(s, x)), s.new(c, _stat(s, x))], s.output(row, x)


def _layer_norm(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """native_layer_norm saves its input and a mean and reciprocal deviation per normalised row; LayerNorm2d
    normalises a channels-last view and gives back a channels-first view of its output."""
    first = row.settings.channels_first
    rows = s.batch * numel(row.input) // (row.input[0] if first else row.input[-1])
    out = s.output(row, x)
    if first:
        out = out._replace(order=(len(row.input) - 1, *range(len(row.input) - 1)))
    return [x.storage, s.new(rows, _stat(s, x)), s.new(rows, _stat(s, x))], out


def _lrn(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """F.local_response_norm: input², padded over channels (saved by the average pool), then
    (k + alpha·avg)^beta (its base and its result saved) and input / that (the input saved)."""
    c, spatial = row.input[0], numel(row.input[1:])
    padded = s.new(s.batch * (c + row.settings.size - 1) * spatial, x.size)
    elements = s.batch * numel(row.input)
    return [x.storage, padded, s.new(elements, x.size), s.new(elements, x.size)], s.output(row, x)


def _relu(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """threshold_backward reads the result: in place, the input's own storage."""
    if row.settings.inplace:
        return [x.storage], s.alias(row, x)
    return _saves_output(s, row, x)


def _input_activation(clone_in_place: bool) -> Rule:
    """Activations whose derivative reads their input. In place, leaky_relu_ and elu_ (SELU and CELU are elu_
    too) read their result; hardtanh_ (ReLU6, Hardtanh), silu_, mish_, hardswish_ and hardsigmoid_ save a copy
    of the input they overwrite."""

    def rule(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
        if not getattr(row.settings, "inplace", False):
            return _saves_input(s, row, x)
        saved = s.new(s.batch * numel(row.input), x.size) if clone_in_place else x.storage
        return [saved], s.alias(row, x)

    return rule


def _dropout(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """p = 0 returns the input; p = 1 multiplies by a zero scalar (saved); otherwise the input is multiplied
    by a mask of its own dtype (saved), except out of place on CUDA, where native_dropout saves a bool mask."""
    p = row.settings
    if p.p == 0:
        return [], s.alias(row, x)
    out = s.alias(row, x) if p.inplace else s.output(row, x)
    if p.p == 1:
        return [s.new(1, x.size)], out
    mask = (MASK_BYTES[s.device] if not p.inplace else None) or x.size
    return [s.new(s.batch * numel(row.input), mask)], out


def _stochastic_depth(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """x · keep, keep of one element per sample (mode row) or one in all (batch): keep is saved."""
    p = row.settings
    if p.p == 0:
        return [], s.alias(row, x)
    return [s.new(s.batch if p.mode == "row" else 1, x.size)], s.output(row, x)


def _layer_scale(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """parameter · x saves x; under autocast the float32 parameter promotes the product to float32. In place
    (timm's LayerScale, inplace), mul_ saves a copy of the x it overwrites, and keeps x's dtype."""
    if getattr(row.settings, "inplace", False):
        return [s.new(s.batch * numel(row.input), x.size)], s.alias(row, x)
    return [x.storage], s.output(row, x, max(x.size, 4) if s.mixed else x.size)


def _flatten(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """A view of a contiguous tensor; a copy of another (flatten and reshape alike)."""
    if contiguous(x, row.input):
        return [], Sym(x.storage, x.grad, x.size)
    return _saves_nothing(s, row, x)


def _permute(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    order = tuple(d - 1 for d in row.settings.dims[1:])
    base = x.order or tuple(range(len(row.input)))
    return [], x._replace(order=tuple(base[i] for i in order))


def _narrow(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """A view, as a chunk is: contiguous only if it takes the whole axis or every axis before it has size 1."""
    axis = row.settings.dim % (len(row.input) + 1) - 1
    whole = row.output[axis] == row.input[axis]
    before = s.batch == 1 and all(n == 1 for n in row.input[:axis])
    return [], x._replace(sliced=x.sliced or not (whole or before or not contiguous(x, row.input)))


def _chunk(s: Step, row: Row, x: Sym) -> tuple[list[int], Sym]:
    """A view; contiguous only if it takes the whole axis or every axis before it has size 1 (the batch too)."""
    axis = row.settings.dim % (len(row.input) + 1) - 1
    whole = row.output[axis] == row.input[axis]
    before = s.batch == 1 and all(n == 1 for n in row.input[:axis])
    return [], x._replace(sliced=x.sliced or not (whole or before or not contiguous(x, row.input)))


SAVES: dict[str, Rule] = {
    "conv": _conv,
    "tconv": _conv,
    "linear": _linear,
    "maxpool": _max_pool,
    "maxunpool": _saves_nothing,  # not called: it saves its pool's indices, which core/training/step.py knows
    "adaptive_maxpool": _max_pool,
    "avgpool": _avg_pool,
    "adaptive_avgpool": _adaptive_avg,
    "batchnorm": _batch_norm,
    "layernorm": _layer_norm,
    "lrn": _lrn,
    "layer_scale": _layer_scale,
    "relu": _relu,
    "relu6": _input_activation(clone_in_place=True),
    "silu": _input_activation(clone_in_place=True),
    "hardswish": _input_activation(clone_in_place=True),
    "hardsigmoid": _input_activation(clone_in_place=True),
    "leaky_relu": _input_activation(clone_in_place=False),
    "gelu": _saves_input,
    "sigmoid": _saves_output,
    "tanh": _saves_output,
    "softmax": _saves_output,
    "dropout": _dropout,
    "stochastic_depth": _stochastic_depth,
    "flatten": _flatten,
    "permute": _permute,
    "chunk": _chunk,
    "identity": _view,
    "upsample": _saves_nothing,  # the interpolations' backward needs only sizes
    "channel_shuffle": _saves_nothing,  # view, transpose, contiguous (a copy), view: nothing saved
    "conv_same": _conv,
    "std_conv": _std_conv,
    "scaled_std_conv": _std_conv,
    "maxpool_same": _same_pool,
    "avgpool_same": _same_pool,
    "lppool": _lp_pool,
    "blur_pool": _blur_pool,
    "zero_pad": _pad(saves_input=False),
    "constant_pad": _pad(saves_input=False),
    "circular_pad": _pad(saves_input=False),
    "reflection_pad": _pad(saves_input=True),
    "replication_pad": _pad(saves_input=True),
    "groupnorm": _group_norm,
    "layerscale": _layer_scale,
    "prelu": _prelu,
    "mish": _input_activation(clone_in_place=True),
    "hardtanh": _input_activation(clone_in_place=True),
    "softplus": _saves_input,
    "elu": _input_activation(clone_in_place=False),
    "selu": _input_activation(clone_in_place=False),
    "celu": _input_activation(clone_in_place=False),
    "log_softmax": _saves_output,
    "channel_dropout": _channel_dropout,
    "mean": _saves_nothing,  # the derivatives of mean and sum need only sizes
    "sum": _saves_nothing,
    "scale": _saves_nothing,
    "narrow": _narrow,  # x * a number: its derivative is the number
    "amax": _amax,
    "reshape": _flatten,
    "space_to_depth": _space_to_depth,
}
