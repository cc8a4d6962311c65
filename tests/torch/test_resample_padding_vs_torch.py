"""Upsampling and the padding modes of convolutions against torch: the same output shape where torch runs the
layer, a refusal exactly where torch raises.

Upsample's size for a scale factor is torch's float64 arithmetic (⌊double(n) · scale⌋, not the exact product:
90 · 2.3 gives 206), so the scales are drawn as a YAML file writes them (2.3, 0.57), as exact ratios (7 / 3, an
expression) and as arbitrary floats; every mode, 1 to 3 spatial axes, align_corners given or not (torch refuses it
for the nearest modes). Reflect padding must stay below the input size and circular padding at most at it (F.pad
pads before the convolution); replicate and zeros take any padding.
"""

from __future__ import annotations

import warnings

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch  # noqa: E402
from hypothesis import currently_in_test_context, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnninspect.core.engine import analyze  # noqa: E402
from cnninspect.errors import InputError  # noqa: E402
from cnninspect.spec.build import build_model  # noqa: E402
from cnninspect.spec.source import read_spec  # noqa: E402

MAX_SIZE = {1: 120, 2: 40, 3: 12}
MODES = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "linear": (1,), "bilinear": (2,), "bicubic": (2,),
         "trilinear": (3,)}


def _note(text: str) -> None:
    if currently_in_test_context():  # the table-driven cases run outside hypothesis
        note(text)


def ours(spec: str) -> tuple[int, ...] | None:
    """cnninspect's output shape (batch 1) for a YAML spec, or None where it refuses."""
    _note(spec)
    try:
        return (1, *analyze(build_model(read_spec("oracle.yaml", spec), "oracle")).output)
    except InputError as error:
        _note(f"cnninspect refuses: {error}")
        return None


def theirs(module, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            return tuple(module(torch.zeros(1, *shape)).shape)
    except (RuntimeError, ValueError) as error:
        _note(f"torch refuses: {error}")
        return None


@st.composite
def scales(draw) -> tuple[str, float]:
    """A scale as the spec writes it, and the float torch is given for it."""
    form = draw(st.sampled_from(["decimal", "ratio", "float"]))
    if form == "decimal":  # 2.3, 0.57: read by YAML as floats
        text = str(draw(st.decimals(min_value="0.01", max_value="6", places=draw(st.integers(1, 3)))))
        return text, float(text)
    if form == "ratio":  # an expression: an exact ratio, rounded once to a float, as Python's 7 / 3
        p, q = draw(st.integers(1, 40)), draw(st.integers(1, 40))
        return f"'{p} / {q}'", p / q
    value = draw(st.floats(min_value=0.01, max_value=6, allow_nan=False, allow_infinity=False))
    return repr(value), value


@st.composite
def upsamples(draw):
    rank = draw(st.integers(1, 3))
    mode = draw(st.sampled_from([m for m, ranks in MODES.items() if rank in ranks] + ["nearest"]))
    shape = (draw(st.integers(1, 2)), *(draw(st.integers(1, MAX_SIZE[rank])) for _ in range(rank)))
    align = draw(st.sampled_from([None, True, False]))
    if draw(st.integers(0, 4)):
        text, scale = draw(scales())
        size, field = None, f"scale: {text}"
    else:
        size = tuple(draw(st.integers(1, 2 * MAX_SIZE[rank])) for _ in range(rank))
        scale, field = None, f"size: {list(size)}"
    align_field = "" if align is None else f", align_corners: {str(align).lower()}"
    spec = f"input: {list(shape)}\nlayers:\n  - upsample: {{{field}, mode: {mode}{align_field}}}\n"
    return spec, shape, torch.nn.Upsample(size, scale, mode, align)


@settings(max_examples=400)
@given(upsamples())
def test_upsample_gives_torch_shape_or_torch_refusal(case):
    spec, shape, module = case
    assert ours(spec) == theirs(module, shape)


@pytest.mark.parametrize("n, scale, expected", [
    (90, "2.3", 206),  # 90 · 2.3 = 206.99999999999997 in float64
    (90, "0.7", 62),  # 62.99999999999999
    (100, "0.57", 56),  # 56.99999999999999
    (100, "2.3", 229),  # 229.99999999999997
    (10, "2.5", 25),  # exact: 25.0
])
def test_upsample_floors_the_float64_product_as_torch(n, scale, expected):
    spec = f"input: [3, {n}]\nlayers:\n  - upsample: {{scale: {scale}}}\n"
    assert ours(spec) == theirs(torch.nn.Upsample(scale_factor=float(scale)), (3, n)) == (1, 3, expected)


@st.composite
def padded_convs(draw):
    rank = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    shape = (draw(st.integers(1, 2)), *(draw(st.integers(1, 6)) for _ in range(rank)))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    dilation = draw(st.integers(1, 2))
    if draw(st.integers(0, 3)):
        padding = tuple(draw(st.integers(0, 8)) for _ in range(rank))
        stride = draw(st.integers(1, 2))
    else:
        padding, stride = "same", 1
    padding_field = padding if padding == "same" else list(padding)
    spec = (f"input: {list(shape)}\nlayers:\n  - conv: {{out: 2, kernel: {list(kernel)}, stride: {stride}, "
            f"padding: {padding_field}, dilation: {dilation}, padding_mode: {mode}}}\n")
    conv = getattr(torch.nn, f"Conv{rank}d")(shape[0], 2, kernel, stride, padding, dilation, padding_mode=mode)
    return spec, shape, conv


@settings(max_examples=400)
@given(padded_convs())
def test_padding_modes_give_torch_shape_or_torch_refusal(case):
    spec, shape, module = case
    assert ours(spec) == theirs(module, shape)
