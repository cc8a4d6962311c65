"""Golden files of the diff's formats live here, beside their tests; rewritten by pytest --update-golden."""

from __future__ import annotations

import pathlib

import pytest

from tests.conftest import golden_checker

GOLDEN = pathlib.Path(__file__).parent / "golden"


@pytest.fixture
def diff_golden(request: pytest.FixtureRequest):
    """diff_golden(name, text): compare with tests/diff/golden/NAME; --update-golden rewrites it."""
    return golden_checker(GOLDEN, request)
