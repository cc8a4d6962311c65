"""Receptive fields: the tutorial's cases by hand, then every output position of random chains against torch."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from cnninspect.core.chain import Step, walk
from cnninspect.core.receptive import Footprint
from cnninspect.core.window import Kind, make_window
from cnninspect.errors import InputError
from tests.torch_oracle import reads


def footprint_after(n: int, *windows):
    return walk((n,), [Step("s", w) for w in windows])[-1].footprint[0]


def conv(k, s=1, p=0, d=1):
    return make_window(Kind.CONV, k, s, p, d)


@pytest.mark.parametrize("layers, size, jump", [
    ([conv(3, 1, 1)] * 3, 7, 1),  # VGG: three 3x3 convs see 1 + 3·(3 − 1) = 7, as one 7x7 would
    ([conv(3, 1, 1)] * 2, 5, 1),  # two 3x3 = one 5x5
    ([conv(7, 2, 3), make_window(Kind.MAXPOOL, 3, 2, 1)], 11, 4),  # ResNet stem: 7 + (3 − 1)·2 = 11
    ([conv(11, 4, 2), make_window(Kind.MAXPOOL, 3, 2)], 19, 8),  # AlexNet: 11 + (3 − 1)·4 = 19
    ([conv(3, 1, 2, d=2)], 5, 1),  # dilation 2 spreads a 3-tap kernel over 5 positions
])
def test_stacks_from_the_tutorial(layers, size, jump):
    footprint = footprint_after(224, *layers)
    assert (footprint.size, footprint.jump) == (size, jump)


def test_transposed_jump_is_a_fraction_and_windows_vary_by_position():
    footprint = footprint_after(8, make_window(Kind.TRANSPOSED, 3, 2, 1))
    assert footprint.jump == Fraction(1, 2)
    # (o + 1 − j)/2 for the taps j of the right parity: even outputs read one input, odd ones two
    assert [footprint.window(o) for o in range(4)] == [(0, 0), (0, 1), (1, 1), (1, 2)]
    assert footprint.size == 2


def test_identity_reads_itself():
    assert Footprint.identity().window(5) == (5, 5)


@st.composite
def chains(draw):
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(list(Kind)))
        k, s = draw(st.integers(1, 5)), draw(st.integers(1, 3))
        d = draw(st.integers(1, 2)) if kind in (Kind.CONV, Kind.TRANSPOSED) else 1
        p = draw(st.integers(0, k // 2)) if kind.is_pool else draw(st.integers(0, 3))
        op = draw(st.integers(0, max(s, d) - 1)) if kind is Kind.TRANSPOSED else 0
        ceil = kind.is_pool and draw(st.booleans())
        steps.append(make_window(kind, k, s, p, d, op, ceil))
    return steps


@settings(max_examples=300)
@given(chains(), st.integers(30, 90))
def test_every_output_position_reads_what_torch_says(windows, n):
    """Positions that touch no padding anywhere see their whole receptive field in torch: compare those."""
    try:
        footprint = walk((n,), [Step("s", w) for w in windows])[-1].footprint[0]
    except InputError:
        assume(False)
    compared = 0
    for o, (hull, touches_padding) in enumerate(reads(windows, n)):
        note(f"position {o}: torch {hull} (touches padding: {touches_padding}), cnninspect {footprint.window(o)}")
        if not touches_padding:
            assert footprint.window(o) == hull
            compared += 1
    assume(compared > 0)
