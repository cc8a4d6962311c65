"""Inverse questions (--out, --same): the tutorial's cases, then every answer against a brute-force torch search."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cnninspect.core.inverse import Span, inputs_for, paddings_for, same_asymmetric, same_target
from cnninspect.core.questions import solve_out
from cnninspect.core.window import Kind, make_window
from tests.torch_oracle import torch_output

SEARCH = 80  # brute force over input sizes and paddings below this


def axis(kind=Kind.CONV, k=3, s=1, p=0, d=1, op=0, ceil=False):
    return make_window(kind, k, s, p, d, op, ceil).axes()[0]


def test_alexnet_55_needs_227_or_padding_2():
    conv1 = axis(k=11, s=4)
    assert inputs_for(conv1, 55) == Span(227, 230)  # ⌊(n − 11)/4⌋ + 1 = 55 for n = 227 … 230
    assert paddings_for(conv1, 224, 55) == Span(2, 3)  # ⌊(224 − 11 + 2p)/4⌋ + 1 = 55 for p = 2, 3


def test_same_padding():
    assert same_target(axis(k=7, s=2), 224) == 112  # ⌈224/2⌉
    assert paddings_for(axis(k=7, s=2), 224, 112) == Span(3, 3)  # ResNet's stem: p = 3
    assert paddings_for(axis(k=4), 224, 224) is None  # an even kernel at stride 1 needs 3 pads in all
    assert same_asymmetric(axis(k=4), 224) == (1, 2)  # as PyTorch's padding='same' puts them


def test_transposed_finds_the_output_padding_it_needs():
    # (28 − 1)·2 − 2·1 + (3 − 1) + op + 1 = 55 + op: 56 needs op = 1
    answer = solve_out(make_window(Kind.TRANSPOSED, 3, 2, 1), (56,), (28,)).axes[0]
    assert (answer.paddings, answer.output_padding) == (Span(1, 1), 1)


def torch_sizes(kind, k, s, p, d, op, ceil, values, vary):
    """{value: torch's output} over input sizes (vary='n') or paddings (vary='p'); refusals left out."""
    found = {}
    for v in values:
        n, pad = (v, p) if vary == "n" else (vary, v)
        out = torch_output(kind, (n,), (k,), (s,), (pad,), (d,), (op,), ceil)
        if out is not None:
            found[v] = out[0]
    return found


def span_of(found: dict, target: int) -> Span | None:
    hits = [v for v, out in found.items() if out == target]
    return Span(min(hits), max(hits)) if hits else None


layers = st.tuples(st.sampled_from(list(Kind)), st.integers(1, 6), st.integers(1, 4), st.integers(1, 3),
                   st.integers(0, 3), st.booleans())


@settings(max_examples=300)
@given(layers, st.integers(1, 25))
def test_input_sizes_for_an_output_match_torch(layer, target):
    kind, k, s, d, p, ceil = layer
    d, p, ceil = (1 if kind is Kind.AVGPOOL else d), (min(p, k // 2) if kind.is_pool else p), ceil and kind.is_pool
    op = min(1, max(s, d) - 1) if kind is Kind.TRANSPOSED else 0
    expected = span_of(torch_sizes(kind, k, s, p, d, op, ceil, range(1, SEARCH), "n"), target)
    got = inputs_for(axis(kind, k, s, p, d, op, ceil), target)
    if got is not None and got.last >= SEARCH - 1:  # the brute force cannot see past its range
        got = Span(got.first, SEARCH - 1) if got.first < SEARCH else None
    assert got == expected


@settings(max_examples=300)
@given(layers, st.integers(1, 40), st.integers(1, 25))
def test_paddings_for_an_output_match_torch(layer, n, target):
    kind, k, s, d, _, ceil = layer
    d, ceil = (1 if kind is Kind.AVGPOOL else d), ceil and kind.is_pool
    op = min(1, max(s, d) - 1) if kind is Kind.TRANSPOSED else 0
    expected = span_of(torch_sizes(kind, k, s, 0, d, op, ceil, range(0, SEARCH), n), target)
    got = paddings_for(axis(kind, k, s, 0, d, op, ceil), n, target)
    if got is not None and got.last >= SEARCH:  # the brute force cannot see past its range (a transposed conv
        got = Span(got.first, SEARCH - 1) if got.first < SEARCH else None  # at n=39, k=4, s=4, d=3 needs p=81)
    assert got == expected
