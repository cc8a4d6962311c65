"""benchmarks/first_analysis.py's core on one tiny zoo model, one repeat: its table has every column and a ratio,
and a peer that is not installed or that fails is reported as such, never dropped (the test venv lacks most peers;
made-up peers here make each case certain, whatever is installed: a plain forward pass, an absent package, one
that raises)."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest

from cnninspect.core.engine import analyze
from cnninspect.spec.load import load_model
from tests.torch_oracle import MISSING

pytestmark = pytest.mark.torch
BENCHMARKS = pathlib.Path(__file__).parent.parent / "benchmarks"
SIBLINGS = ("common", "scaling")


@pytest.fixture
def bench(monkeypatch):
    if MISSING:
        pytest.skip(MISSING)
    # The script puts its folder on sys.path and imports common.py and scaling.py from it: all undone afterwards.
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in SIBLINGS:
        monkeypatch.delitem(sys.modules, name, raising=False)
    spec = importlib.util.spec_from_file_location("first_analysis", BENCHMARKS / "first_analysis.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    for name in SIBLINGS:
        sys.modules.pop(name, None)


def _forward(model, inputs):
    return lambda: model(*inputs)  # a peer that is always there: a plain forward pass


def _refuses(model, inputs):
    raise RuntimeError("this peer cannot count the model\nsecond line, left out")


def test_one_tiny_model_gives_every_column_a_ratio_and_each_peer_timed_absent_or_failed(bench):
    torchinfo = next(peer for peer in bench.PEERS if peer.name == "torchinfo")  # in the torch extra
    peers = (torchinfo, bench.Peer("forward", "torch", "model(x)", _forward),
             bench.Peer("absent", "no_such_peer_package", "absent()", _refuses),
             bench.Peer("broken", "torch", "broken()", _refuses))
    result = bench.measure("lenet5", repeat=1, peers=peers)

    assert result.peers["absent"] == bench.NOT_INSTALLED
    assert result.peers["broken"] == "RuntimeError: this peer cannot count the model"
    assert isinstance(result.peers["forward"], float)
    assert isinstance(result.peers["torchinfo"], float) or result.peers["torchinfo"] == bench.NOT_INSTALLED
    assert result.layers == len(analyze(load_model("zoo:lenet5")).rows)
    assert 0 < result.again and 0 < result.first < result.loaded  # loaded does the first analysis and more

    lines = bench.report([result], None, 1, 0.0, 1.0, peers)
    header, rule, row = (line for line in lines if line.startswith("|"))
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    assert columns == ["model", "layers", *(p.name for p in peers), "fastest peer", "first", "load + first",
                       "re-analysis", "ratio", "goal"]
    cells = dict(zip(columns, (cell.strip() for cell in row.strip("|").split("|"))))
    assert cells["model"] == "lenet5" and cells["absent"] == "n/i" and cells["broken"] == "failed"
    fastest, seconds = result.fastest()
    assert cells["fastest peer"] == fastest and seconds == min(t for t in result.peers.values() if type(t) is float)
    assert cells["ratio"] == f"{seconds / result.first:.1f}x" == f"{result.ratio():.1f}x"
    assert cells["goal"] == ("✓" if seconds / result.first >= bench.TARGET_SPEEDUP else "✗")
    text = "\n".join(lines)
    assert "- lenet5, broken: RuntimeError: this peer cannot count the model" in text
    absent = next(line for line in lines if line.startswith("Not installed here (their columns say n/i): "))
    assert "absent" in absent.split(": ", 1)[1].split(";")[0].split(", ")
    assert "models** (goal: every one:" in text and "Fastest peer: " + fastest in text
