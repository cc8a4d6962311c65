"""Shared fixtures: golden files, the torch oracle's settings, and a parsed-spec cache of the run's own.

Without the torch extra the suite still runs: tests marked `torch` are skipped with the reason (below), and so are
the modules and oracle calls that need it (tests/torch_oracle.py).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile

import pytest
from hypothesis import settings

from tests.torch_oracle import MISSING as TORCH_MISSING

GOLDEN = pathlib.Path(__file__).parent / "golden"

# The suite's parsed-spec cache lives in a folder of its own, set here, at import, so that subprocesses inherit it:
# tests never read or write the real one in the home folder.
SESSION_CACHE = tempfile.mkdtemp(prefix="cnninspect-test-cache-")
os.environ["CNNINSPECT_CACHE_DIR"] = SESSION_CACHE
# Tables take the whole width they need off a terminal unless COLUMNS says otherwise (commands/formats.py): the
# goldens and the README's examples are that whole width, whatever the shell running the suite exports. Unset in
# the process's own environment too, which subprocesses inherit: importing readline (pytest's pdb does) sets
# COLUMNS=80 there, unseen by os.environ.
os.environ.pop("COLUMNS", None)
os.unsetenv("COLUMNS")

# Property tests against torch: enough examples to mean something, no per-example deadline (torch's first
# call warms up its dispatcher).
settings.register_profile("default", deadline=None)
settings.load_profile("default")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current output")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TORCH_MISSING:
        for item in items:
            if item.get_closest_marker("torch"):
                item.add_marker(pytest.mark.skip(reason=TORCH_MISSING))


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(SESSION_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_columns_unless_asked():
    """COLUMNS stays unset (see above) unless a test sets it: readline, imported by some test, would set it again."""
    if "COLUMNS" not in os.environ:
        os.unsetenv("COLUMNS")


def golden_checker(folder: pathlib.Path, request: pytest.FixtureRequest):
    """check(name, text): compare with folder/NAME; --update-golden rewrites it. The one golden rule of the suite
    (tests/diff keeps its files beside its tests)."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = folder / name
        if update:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review the diff"
        assert text == path.read_text(encoding="utf-8")

    return check


@pytest.fixture
def assert_golden(request: pytest.FixtureRequest):
    """assert_golden(name, text): compare with tests/golden/NAME; --update-golden rewrites it."""
    return golden_checker(GOLDEN, request)
