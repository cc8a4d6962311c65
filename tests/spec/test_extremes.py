"""Valid but extreme specs get a correct answer; a spec past the size limits a quick, clear refusal."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from cnninspect.cli import main
from cnninspect.core.engine import analyze
from cnninspect.spec.load import load_model

UNICODE = ("name: réseau\ninput: [3, 16, 16]\nlayers:\n  - conv: {name: 卷积, out: 8, kernel: 3}\n"
           "  - seq: {name: ブロック, layers: [relu, {conv: {name: Ω, out: 4, kernel: 3}}]}\n")


def test_unicode_names_are_module_names(tmp_path):
    spec = tmp_path / "unicode.yaml"
    spec.write_text(UNICODE, encoding="utf-8")
    analysis = analyze(load_model(str(spec)))
    assert [r.path for r in analysis.rows] == ["卷积", "ブロック.0", "ブロック.Ω"]
    assert CliRunner().invoke(main, ["summary", str(spec)]).exit_code == 0


@pytest.mark.torch
def test_torch_accepts_the_same_unicode_names_as_module_names(tmp_path):
    from cnninspect.torch_backend.crosscheck import verify

    spec = tmp_path / "unicode.yaml"
    spec.write_text(UNICODE, encoding="utf-8")
    assert verify(analyze(load_model(str(spec)))).ok


def test_a_million_layer_file_is_refused_by_its_size_at_once(tmp_path):
    spec = tmp_path / "million.yaml"
    spec.write_text("input: [3, 8, 8]\nlayers:\n" + "  - relu\n" * 1_000_000)
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["summary", str(spec)])
    assert time.perf_counter() - start < 1.0  # a robustness bound, not a benchmark: the file is not parsed
    assert result.exit_code == 2
    assert f"the file is {spec.stat().st_size} bytes; specs are at most 4194304 bytes" in result.stderr


def test_the_largest_model_under_the_limit_is_answered(tmp_path):
    spec = tmp_path / "deep.yaml"
    spec.write_text("input: [4, 8]\nlayers:\n  - repeat: {times: 100000, layers: [relu, identity]}\n")
    result = CliRunner().invoke(main, ["summary", str(spec), "--format", "csv"])
    assert result.exit_code == 0 and result.stdout.count("\n") == 200_001  # the header and every layer
