"""The arithmetic core against torch: same output size where torch accepts, a refusal exactly where it refuses.

Two strategies per layer kind: settings inside torch's domain (thousands of valid combinations; some inputs
still too small for their kernel), and the same with one value pushed just past its limit.
"""

from __future__ import annotations

from hypothesis import given, note, settings
from hypothesis import strategies as st

from cnninspect.core.window import Kind, make_window
from cnninspect.errors import InputError
from tests.torch_oracle import torch_output

MAX_INPUT = {1: 40, 2: 16, 3: 7}


def core_output(kind, n, kernel, stride, padding, dilation, output_padding, ceil_mode):
    try:
        window = make_window(kind, kernel, stride, padding, dilation, output_padding, ceil_mode, ndim=len(n))
        return window.output(n)
    except InputError:
        return None


@st.composite
def layers(draw, kind: Kind):
    """A layer in torch's domain and an input, per axis; the input may still be too small for the kernel."""
    ndim = draw(st.integers(1, 3))

    def per_axis(lo, hi):
        return tuple(draw(st.lists(st.integers(lo, hi), min_size=ndim, max_size=ndim)))

    n = per_axis(1, MAX_INPUT[ndim])
    kernel = per_axis(1, 5)
    stride = per_axis(1, 4)
    dilation = per_axis(1, 3) if kind is not Kind.AVGPOOL else (1,) * ndim
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel) if kind.is_pool else per_axis(0, 3)
    if kind is Kind.CONV and draw(st.integers(0, 3)) == 0:
        padding = draw(st.sampled_from(["same", "valid"]))
        stride = (1,) * ndim if padding == "same" else stride
    output_padding = (0,) * ndim
    if kind is Kind.TRANSPOSED:
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    ceil_mode = kind.is_pool and draw(st.booleans())
    return [n, kernel, stride, padding, dilation, output_padding, ceil_mode]


LIMITS = ["n", "kernel", "stride", "padding", "dilation", "output_padding", "same"]


@st.composite
def layers_past_a_limit(draw, kind: Kind):
    """A valid layer with one value pushed just past the limit torch sets for it."""
    case = draw(layers(kind))
    n, kernel, stride, padding, dilation, output_padding, ceil_mode = case
    limits = [name for name in LIMITS if not (
        (name == "dilation" and kind is Kind.AVGPOOL)  # average pooling has no dilation to push
        or (name == "same" and kind is not Kind.CONV)  # nor anything but conv a string padding
        or (name == "output_padding" and kind is not Kind.TRANSPOSED))]
    limit = draw(st.sampled_from(limits))
    axis = draw(st.integers(0, len(n) - 1))

    def with_axis(values, value):
        return tuple(value if i == axis else v for i, v in enumerate(values))

    if limit == "n":
        case[0] = with_axis(n, draw(st.integers(0, 2)))
    elif limit == "kernel":
        case[1] = with_axis(kernel, draw(st.sampled_from([0, n[axis] + 1, n[axis] + 7])))
    elif limit == "stride":
        case[2] = with_axis(stride, draw(st.integers(-1, 0)))
    elif limit == "padding" and not isinstance(padding, str):
        just_past = kernel[axis] // 2 + 1 if kind.is_pool else n[axis] + kernel[axis]
        case[3] = with_axis(padding, draw(st.sampled_from([-1, just_past])))
    elif limit == "dilation":
        case[4] = with_axis(dilation, draw(st.sampled_from([0, -1, n[axis] + 2])))
    elif limit == "output_padding":
        case[5] = with_axis(output_padding, draw(st.sampled_from([-1, max(stride[axis], dilation[axis])])))
    elif limit == "same":
        case[2] = with_axis(stride, 2)
        case[3] = "same"
    return tuple(case)


def check_against_torch(kind: Kind, case) -> None:
    n, kernel, stride, padding, dilation, output_padding, ceil_mode = case
    expected = torch_output(kind, n, kernel, stride, padding, dilation, output_padding, ceil_mode)
    got = core_output(kind, n, kernel, stride, padding, dilation, output_padding, ceil_mode)
    note(f"torch: {expected}, cnninspect: {got}")
    if kind is Kind.TRANSPOSED and expected and (0 in expected or min(dilation) < 1):
        # torch's CPU transposed conv, when oneDNN runs it, accepts an output size of exactly 0 and a dilation of
        # 0 that its other paths refuse ("Output size is too small", "dilation should be greater than zero"),
        # depending on the sizes. cnninspect always refuses them, as the documented rules say.
        assert got is None
        return
    assert got == expected


@settings(max_examples=4000)
@given(st.sampled_from(list(Kind)).flatmap(lambda kind: st.tuples(st.just(kind), layers(kind).map(tuple))))
def test_valid_settings_give_torchs_sizes(kind_and_case):
    check_against_torch(*kind_and_case)


@settings(max_examples=2000)
@given(st.sampled_from(list(Kind)).flatmap(lambda kind: st.tuples(st.just(kind), layers_past_a_limit(kind))))
def test_refuses_exactly_what_torch_refuses(kind_and_case):
    check_against_torch(*kind_and_case)


@settings(max_examples=400)
@given(st.integers(1, 60), st.integers(1, 7), st.integers(1, 5), st.data())
def test_pooling_ceil_mode_near_the_edge(n, kernel, stride, data):
    """Ceil mode's right-padding rule bites when the padding is large and the stride long: search there."""
    padding = data.draw(st.integers(0, kernel // 2))
    for kind in (Kind.MAXPOOL, Kind.AVGPOOL):
        check_against_torch(kind, ((n,), (kernel,), (stride,), (padding,), (1,), (0,), True))
