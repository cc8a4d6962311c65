"""Human sizes, parsed exactly: the arithmetic of each case in its comment, never a float on the way."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnninspect.core.sizes import BYTES, COUNT, parse_limit
from cnninspect.errors import InputError


@pytest.mark.parametrize("raw, kind, value", [
    ("5M", COUNT, 5_000_000),  # 5 · 10^6
    ("1.5G", COUNT, 1_500_000_000),  # 15/10 · 10^9, exactly (1.5 is a binary float, 0.1 is not)
    ("0.1M", COUNT, 100_000),  # 1/10 · 10^6: as a float 0.1 · 1e6 happens to round right; the Fraction is exact
    ("0.3G", COUNT, 300_000_000),  # 3/10 · 10^9 (as floats, 0.3 * 1e9 = 300000000.00000006)
    ("2.675k", COUNT, 2_675),  # 2675/1000 · 10^3
    ("100k", COUNT, 100_000),  # 100 · 10^3
    ("100K", COUNT, 100_000),  # K is k for counts
    ("1T", COUNT, 10**12),
    ("5000000", COUNT, 5_000_000),  # a bare count
    ("5,000,000", COUNT, 5_000_000),  # thousands separated as the reports print them
    ("5_000_000", COUNT, 5_000_000),
    ("1.5e9", COUNT, 1_500_000_000),  # 15/10 · 10^9
    ("12e-1k", COUNT, 1_200),  # 12 · 10^-1 · 10^3
    (" 5 M ", COUNT, 5_000_000),  # spaces around and between
    ("0", COUNT, 0),  # a param-free network may be budgeted at 0
    (5_000_000, COUNT, 5_000_000),  # a YAML integer
    (1.5e9, COUNT, 1_500_000_000),  # a YAML/JSON float: its shortest repr, '1500000000.0'
    ("200MB", BYTES, 200_000_000),  # 200 · 10^6
    ("200 MB", BYTES, 200_000_000),
    ("1.5kB", BYTES, 1_500),  # 15/10 · 10^3
    ("1.5KB", BYTES, 1_500),  # KB = kB: powers of 1000
    ("3GB", BYTES, 3_000_000_000),
    ("2TB", BYTES, 2 * 10**12),
    ("512B", BYTES, 512),
    ("512", BYTES, 512),  # a bare number is bytes
    ("1KiB", BYTES, 1_024),  # 2^10
    ("1.5MiB", BYTES, 1_572_864),  # 3/2 · 2^20 = 3 · 2^19
    ("2GiB", BYTES, 2_147_483_648),  # 2 · 2^30
    ("1TiB", BYTES, 1_099_511_627_776),  # 2^40
    ("1.2GiB", BYTES, 1_288_490_188),  # 6/5 · 2^30 = 1,288,490,188.8: allows the whole bytes under it
    ("0.1KiB", BYTES, 102),  # 1/10 · 1024 = 102.4 → at most 102 bytes
])
def test_sizes(raw, kind, value):
    limit = parse_limit(raw, kind)
    assert limit.value == value and limit.kind == kind
    assert type(limit.value) is int


@pytest.mark.parametrize("raw, kind, fragment", [
    ("-5M", COUNT, "a limit must be ≥ 0. Received '-5M'"),
    (-1, COUNT, "a limit must be ≥ 0. Received -1"),
    ("", COUNT, "expected a count such as 5M or 1.5G (k, M, G, T: powers of 1000). Received ''"),
    ("M", COUNT, "expected a count"),
    ("5X", COUNT, "unknown unit 'X': expected a count"),
    ("5m", COUNT, "unknown unit 'm' (did you mean M?)"),  # milli is no count
    ("5MB", COUNT, "MB is a unit of bytes, and this limit is a count"),  # memory suffix on a count
    ("7B", COUNT, "B is a unit of bytes (a billion is G)"),
    ("200M", BYTES, "M is a unit of counts (did you mean MB?), and this limit is a size in bytes"),  # and vice versa
    ("200Mb", BYTES, "unknown unit 'Mb' (b is bits, B bytes: did you mean MB?)"),
    ("2gib", BYTES, "(b is bits, B bytes: did you mean GiB?)"),
    ("1.5", COUNT, "a limit must be a whole number. Received '1.5'"),  # 1.5 parameters: a typo
    ("0.0015k", COUNT, "a limit must be a whole number (0.0015k is 1.5)"),  # 15/10000 · 10^3 = 3/2
    ("1.0000005MB", BYTES, "a whole number of bytes (1.0000005MB is 1,000,000.5 bytes)"),
    ("1,5M", COUNT, "expected a count"),  # a decimal comma is refused, not read as 15M
    ("1e99", COUNT, "a limit must be at most 10^30"),
    ("1e9999", COUNT, "a limit must be at most 10^30"),  # refused before 10^9999 is computed
    ("5 M B", BYTES, "expected a size in bytes"),
    (True, COUNT, "expected a count such as 5M or 1.5G (k, M, G, T: powers of 1000). Received true"),
    ([5], COUNT, "Received [5]"),
    (float("inf"), COUNT, "Received 'inf'"),
    (float("nan"), COUNT, "Received 'nan'"),
])
def test_refusals(raw, kind, fragment):
    with pytest.raises(InputError) as caught:
        parse_limit(raw, kind)
    assert fragment in str(caught.value)


@pytest.mark.parametrize("raw, plain", [("5M", False), ("5000000", True), ("5,000,000", True), ("1.5e9", False)])
def test_plain_limits_are_echoed_once(raw, plain):
    assert parse_limit(raw, COUNT).plain is plain


@given(st.integers(0, 10**15), st.sampled_from(["", "k", "M", "G", "T"]))
def test_any_integer_with_any_unit(number, unit):
    scale = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[unit]
    assert parse_limit(f"{number}{unit}", COUNT).value == number * scale


@given(st.integers(0, 10**9), st.integers(1, 6))
def test_decimals_are_exact(digits, places):
    """d / 10^places mega: exactly d · 10^(6 − places), whatever float rounding would make of it."""
    text = f"{digits // 10**places}.{digits % 10**places:0{places}d}M"
    assert parse_limit(text, COUNT).value == digits * 10**6 // 10**places
