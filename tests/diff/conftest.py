"""Golden files of the diff's formats live here, beside their tests; rewritten by pytest --update-golden."""

from __future__ import annotations

import pathlib

import pytest

GOLDEN = pathlib.Path(__file__).parent / "golden"


@pytest.fixture
def diff_golden(request: pytest.FixtureRequest):
    """diff_golden(name, text): compare with tests/diff/golden/NAME; --update-golden rewrites it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review the diff"
        assert text == path.read_text(encoding="utf-8")

    return check
