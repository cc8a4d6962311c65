"""Every disagreement the property tests and the fuzzing found, kept as a case that must stay fixed.

Each came from hypothesis, against torch; the comment says what was wrong. (The differential fuzzing of whole
specs — 10,000 random specs and 5,000 pushed past a limit in its last long run, docs/fuzzing.md — has found
none so far.)
"""

from __future__ import annotations

from cnninspect.core.chain import Step, walk
from cnninspect.core.coverage import coverage
from cnninspect.core.window import Kind, make_window
from tests.torch_oracle import read_positions, reads, torch_output


def test_the_last_window_inside_the_left_padding():
    """n=1, f=1, s=5, p=2: the only window reads left padding; the input position was counted as padding."""
    window = make_window(Kind.CONV, 1, 5, 2)
    assert read_positions([window], 1) == []  # torch: the input is never read
    assert coverage(window.axes()[0], 1).unused_input == 1


def test_avgpool3d_needs_the_kernel_inside_the_unpadded_input():
    """ATen's pool3d check, which AvgPool1d/2d and MaxPool3d do not make."""
    case = ((1, 1, 1), (2, 1, 1), (1, 1, 1), (1, 0, 0))
    assert torch_output(Kind.AVGPOOL, *case) is None
    assert make_window(Kind.AVGPOOL, case[1], case[2], case[3]).axes()[0].output_or_none(1) is None


def test_a_transposed_output_of_zero_is_refused():
    """oneDNN returns an empty tensor for these sizes; torch's other paths and cnninspect refuse them."""
    window = make_window(Kind.TRANSPOSED, (1, 4, 4), 1, (0, 0, 2))
    assert window.axes()[2].output_or_none(1) is None


def test_a_dilated_read_of_a_transposed_conv_with_gaps():
    """tconv f=1 s=2 leaves odd outputs empty; a conv f=2 d=2 then reads two empty positions: it reads nothing.
    The footprint took the hull of the positions in between."""
    windows = [make_window(Kind.TRANSPOSED, 1, 2), make_window(Kind.CONV, 2, 1, 0, 2)]
    footprint = walk((30,), [Step("s", w) for w in windows])[-1].footprint[0]
    assert [footprint.window(o) for o in range(2)] == [hull for hull, _ in reads(windows, 30)[:2]] == [(0, 1), None]


def test_transposed_windows_that_are_not_monotone():
    """tconv f=3 s=3 d=2: output 3 reads input 1, output 4 reads input 0; the footprint assumed order."""
    windows = [make_window(Kind.TRANSPOSED, 3, 3, 0, 2), make_window(Kind.CONV, 2)]
    footprint = walk((30,), [Step("s", w) for w in windows])[-1].footprint[0]
    for o, (hull, touches_padding) in enumerate(reads(windows, 30)):
        if not touches_padding:
            assert footprint.window(o) == hull
