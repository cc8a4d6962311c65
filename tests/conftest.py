"""Shared fixtures: golden files and the torch oracle's settings."""

from __future__ import annotations

import pathlib

import pytest
from hypothesis import settings

GOLDEN = pathlib.Path(__file__).parent / "golden"

# Property tests against torch: enough examples to mean something, no per-example deadline (torch's first
# call warms up its dispatcher).
settings.register_profile("default", deadline=None)
settings.load_profile("default")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def assert_golden(request: pytest.FixtureRequest):
    """assert_golden(name, text): compare with tests/golden/NAME; --update-golden rewrites it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review the diff"
        assert text == path.read_text(encoding="utf-8")

    return check
