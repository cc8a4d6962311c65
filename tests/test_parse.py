"""The command line's small languages: per-axis sizes and chain steps."""

from __future__ import annotations

import pytest

from cnninspect.core.window import Kind
from cnninspect.errors import InputError
from cnninspect.parse import parse_padding, parse_sizes, parse_step, parse_steps, step_label


@pytest.mark.parametrize("text, sizes", [("224", (224,)), ("224x160", (224, 160)), ("8×8×8", (8, 8, 8)),
                                         (" 3X5 ", (3, 5)), ("-1", (-1,))])
def test_sizes(text, sizes):
    assert parse_sizes(text, "--n") == sizes


@pytest.mark.parametrize("text", ["", "x", "224x", "2.5", "1x2x3x4", "abc", "1" * 19, "0xa"])
def test_malformed_sizes_name_the_flag(text):
    with pytest.raises(InputError) as caught:
        parse_sizes(text, "--f")
    assert caught.value.where == "--f" and repr(text) in caught.value.message


def test_padding_words():
    assert parse_padding("SAME", "--p") == "same" and parse_padding("1x2", "--p") == (1, 2)


def test_step_fields_and_defaults():
    step, repeat = parse_step("pool:3", 2, "step 1")
    assert step.window.kind is Kind.MAXPOOL and step.window.stride == (3, 3) and repeat == 1
    step, repeat = parse_step("conv:3x5/1/same*4", 2, "s")
    assert step.window.kernel == (3, 5) and step.window.padding == "same" and repeat == 4
    step, _ = parse_step("tconv:4/2/1:op=1", 1, "s")
    assert step.window.kind is Kind.TRANSPOSED and step.window.output_padding == (1,)
    step, _ = parse_step("avgpool:3/2/1:ceil", 1, "s")
    assert step.window.ceil_mode


@pytest.mark.parametrize("text, fragment", [
    ("conv", "cannot parse the step"),
    ("foo:3", "unknown kind 'foo'"),
    ("conv:3/1/1/1/1", "expected f[/s[/p[/d]]]"),
    ("conv:3:wat", "unknown option 'wat'"),
    ("conv:3*0", "repeat count"),
    ("conv:3*x", "repeat count"),
    ("pool:3/2/2", "at most half the kernel"),
    ("conv:a", "expected an integer"),
])
def test_bad_steps_name_the_step(text, fragment):
    with pytest.raises(InputError) as caught:
        parse_steps((text,), 1)
    assert caught.value.where == f"step 1 {text!r}" and fragment in caught.value.message


def test_a_chain_is_bounded():
    with pytest.raises(InputError, match="at most 10000 steps"):
        parse_steps(("conv:1*6000", "conv:1*6000"), 1)


@pytest.mark.parametrize("text", ["conv:11/4/0/1", "maxpool:3/2/1/1:ceil", "tconv:4/2/1/1:op=1", "conv:3x5/1/same/1"])
def test_labels_read_back_as_the_same_step(text):
    step, _ = parse_step(text, 2 if "x" in text else 1, "s")
    assert step_label(step.window) == text
