"""The divisibility lint: the tutorial's cases, then the never-read positions against torch's gradients."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnninspect.core.coverage import coverage, exact_alternatives
from cnninspect.core.window import Kind, make_window
from cnninspect.errors import InputError
from tests.torch_oracle import read_positions, torch_output


def axis(kind=Kind.CONV, k=3, s=1, p=0, d=1, ceil=False):
    return make_window(kind, k, s, p, d, 0, ceil).axes()[0]


@pytest.mark.parametrize("n, p, exact, unused_input, unused_padding", [
    (227, 0, True, 0, 0),  # (227 − 11 + 0) = 216 = 4·54: AlexNet as published
    (224, 0, False, 1, 0),  # (224 − 11 + 0) = 213 = 4·53 + 1: the last input column is never read
    (224, 2, False, 0, 1),  # torchvision: (224 − 11 + 4) = 217 = 4·54 + 1: only a padding column is dropped
])
def test_alexnet_first_conv(n, p, exact, unused_input, unused_padding):
    cover = coverage(axis(k=11, s=4, p=p), n)
    assert (cover.exact, cover.unused_input, cover.unused_padding) == (exact, unused_input, unused_padding)


def test_alexnet_at_224_suggests_227_and_explains_why_no_padding_helps():
    alternatives = exact_alternatives(axis(k=11, s=4), 224)
    assert alternatives.inputs == ((223, 54), (227, 55))  # 213 − 1 = 212 = 4·53; 213 + 3 = 216 = 4·54
    assert alternatives.paddings == ()
    assert "odd for every p" in alternatives.no_padding_reason  # 213 + 2p is odd; the stride 4 is even


def test_exact_padding_is_found_when_one_exists():
    # (10 − 2 + 2p) % 3 == 0 first at p = 2: (10 − 2 + 4) = 12 = 3·4
    assert exact_alternatives(axis(k=2, s=3), 10).paddings == ((2, 5),)


def test_ceil_mode_overhang_and_the_dropped_window():
    # (112 − 3)/2 = 54.5: ceil gives 56 windows, the last reaching 1 past the input
    assert coverage(axis(Kind.MAXPOOL, 3, 2, ceil=True), 112).overhang == 1
    # n=5, f=2, s=2, p=1: plain ceil gives 4 windows, but the 4th would start in the right padding
    assert coverage(axis(Kind.MAXPOOL, 2, 2, 1, ceil=True), 5).dropped_window


def test_stride_longer_than_the_window_leaves_gaps():
    assert coverage(axis(k=2, s=3), 11).gap == 1


def test_transposed_convolutions_are_always_exact():
    assert coverage(make_window(Kind.TRANSPOSED, 3, 2, 1).axes()[0], 7).exact


@settings(max_examples=400)
@given(st.sampled_from([Kind.CONV, Kind.MAXPOOL, Kind.AVGPOOL]), st.integers(1, 40), st.integers(1, 6),
       st.integers(1, 5), st.integers(1, 3), st.integers(0, 3), st.booleans())
def test_never_read_input_positions_match_torch(kind, n, k, s, d, p, ceil):
    d = 1 if kind is Kind.AVGPOOL else d
    p = min(p, k // 2) if kind.is_pool else p
    ceil = ceil and kind.is_pool
    try:
        window = make_window(kind, k, s, p, d, 0, ceil)
        cover = coverage(window.axes()[0], n)
    except InputError:
        assume(False)
    read = read_positions([window], n)
    trailing_unread = n - 1 - read[-1] if read else n
    if d == 1 and not cover.gap:  # contiguous windows: everything up to the last window's end is read
        assert cover.unused_input == trailing_unread
    else:  # holes between taps or windows may leave more unread, but never fewer
        assert cover.unused_input <= trailing_unread


@settings(max_examples=300)
@given(st.sampled_from([Kind.CONV, Kind.MAXPOOL, Kind.AVGPOOL]), st.integers(1, 60), st.integers(1, 7),
       st.integers(1, 5), st.integers(0, 3))
def test_suggested_exact_settings_are_exact_in_torch(kind, n, k, s, p):
    p = min(p, k // 2) if kind.is_pool else p
    try:
        layer = axis(kind, k, s, p)
        cover = coverage(layer, n)
    except InputError:
        assume(False)
    assume(not cover.exact)
    alternatives = exact_alternatives(layer, n)
    for size, out in alternatives.inputs:
        assert torch_output(kind, (size,), (k,), (s,), (p,)) == (out,)
        assert (size + 2 * p - k) % s == 0
    for padding, out in alternatives.paddings:
        assert torch_output(kind, (n,), (k,), (s,), (padding,)) == (out,)
        assert (n + 2 * padding - k) % s == 0
