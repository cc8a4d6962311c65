"""Each output-size rule on the tutorial's numbers, with the arithmetic written out."""

from __future__ import annotations

import pytest

from cnninspect.core.window import Kind, make_window
from cnninspect.errors import InputError


@pytest.mark.parametrize("kind, n, k, s, p, d, op, ceil, out", [
    (Kind.CONV, 227, 11, 4, 0, 1, 0, False, 55),  # (227 − 11 + 0) // 4 + 1 = 54 + 1
    (Kind.CONV, 224, 11, 4, 0, 1, 0, False, 54),  # (224 − 11 + 0) // 4 + 1 = 53 + 1
    (Kind.CONV, 224, 11, 4, 2, 1, 0, False, 55),  # (224 − 11 + 4) // 4 + 1 = 54 + 1
    (Kind.CONV, 32, 5, 1, 0, 1, 0, False, 28),  # LeNet: (32 − 5) // 1 + 1
    (Kind.CONV, 224, 7, 2, 3, 1, 0, False, 112),  # (224 + 3 + 3 − 7 − 1) // 2 + 1 = 112
    (Kind.CONV, 32, 3, 1, 2, 2, 0, False, 32),  # (32 + 4 − 2·(3 − 1) − 1) // 1 + 1 = 32
    (Kind.MAXPOOL, 28, 2, 2, 0, 1, 0, False, 14),  # LeNet: (28 − 2) // 2 + 1
    (Kind.MAXPOOL, 112, 3, 2, 0, 1, 0, True, 56),  # GoogLeNet: ⌈(112 − 3)/2⌉ + 1 = 55 + 1
    (Kind.MAXPOOL, 112, 3, 2, 0, 1, 0, False, 55),  # floor instead: 54 + 1
    (Kind.MAXPOOL, 5, 2, 2, 1, 1, 0, True, 3),  # ⌈(5 + 2 − 2)/2⌉ + 1 = 4, but window 4 starts at 6 ≥ 5 + 1
    (Kind.AVGPOOL, 35, 3, 1, 1, 1, 0, False, 35),  # Inception's branch pools: (35 + 2 − 3) // 1 + 1
    (Kind.TRANSPOSED, 28, 4, 2, 1, 1, 0, False, 56),  # (28 − 1)·2 − 2 + (4 − 1) + 0 + 1
    (Kind.TRANSPOSED, 28, 3, 2, 1, 1, 1, False, 56),  # (28 − 1)·2 − 2 + (3 − 1) + 1 + 1
])
def test_rules(kind, n, k, s, p, d, op, ceil, out):
    assert make_window(kind, k, s, p, d, op, ceil).output((n,)) == (out,)


def test_per_axis_values_broadcast_and_pooling_stride_defaults_to_the_kernel():
    window = make_window(Kind.MAXPOOL, (3, 2), None, 1)
    assert (window.stride, window.padding) == ((3, 2), (1, 1))
    assert window.output((224, 160)) == (75, 81)  # (224 + 2 − 3)//3 + 1 = 75; (160 + 2 − 2)//2 + 1 = 81


def test_same_padding_keeps_the_size_and_puts_the_odd_pad_right():
    (axis,) = make_window(Kind.CONV, 4, 1, "same").axes()
    assert (axis.pad_left, axis.pad_right, axis.output(5)) == (1, 2, 5)


@pytest.mark.parametrize("settings, param", [
    (dict(kind=Kind.CONV, kernel=0), "kernel"),
    (dict(kind=Kind.CONV, kernel=3, stride=0), "stride"),
    (dict(kind=Kind.CONV, kernel=3, padding=-1), "padding"),
    (dict(kind=Kind.CONV, kernel=3, dilation=0), "dilation"),
    (dict(kind=Kind.CONV, kernel=3, stride=2, padding="same"), "padding"),
    (dict(kind=Kind.MAXPOOL, kernel=3, padding=2), "padding"),
    (dict(kind=Kind.MAXPOOL, kernel=3, padding="same"), "padding"),
    (dict(kind=Kind.AVGPOOL, kernel=3, dilation=2), "dilation"),
    (dict(kind=Kind.TRANSPOSED, kernel=3, output_padding=1), "output_padding"),
    (dict(kind=Kind.CONV, kernel=3, ceil_mode=True), "ceil_mode"),
    (dict(kind=Kind.CONV, kernel=(3, 3, 3, 3)), "kernel"),
    (dict(kind=Kind.CONV, kernel=(3, 3), stride=(1, 1, 1)), "stride"),
])
def test_settings_torch_refuses_are_refused_with_the_parameter_named(settings, param):
    with pytest.raises(InputError) as caught:
        make_window(**settings)
    assert caught.value.param == param
    assert "Received" in caught.value.message


def test_a_kernel_larger_than_the_padded_input_is_refused():
    with pytest.raises(InputError, match="span=11, padded_input=5"):
        make_window(Kind.CONV, 11).output((5,))


def test_enormous_sizes_stay_exact():
    # (10^18 − 3 + 2) // 1 + 1 = 10^18: Python ints, no overflow
    assert make_window(Kind.CONV, 3, 1, 1).output((10**18,)) == (10**18,)
