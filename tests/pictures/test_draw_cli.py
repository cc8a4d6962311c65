"""`cnninspect draw` through click's runner and one real process: goldens for the tutorial's six models, the
format from --format or -o's suffix, PNG and PDF with the draw extra (or its install hint without), and bad
input refused on one line with exit status 2."""

from __future__ import annotations

import builtins
import os
import pathlib
import subprocess
import sys

import pytest

from tests.cli_support import bounded_refusal, runner
from tests.pictures.support import TUTORIAL, read_dot, read_mermaid, read_svg
from cnninspect.cli import main

ROOT = pathlib.Path(__file__).parent.parent.parent
DEEP = ("googlenet", "inception_v3")  # their SVG goldens folded at depth 1: whole, they are 200-300 kB each


def ran(args: list[str]) -> str:
    result = runner().invoke(main, args, prog_name="cnninspect")
    assert result.exit_code == 0, (result.stderr, result.exception)
    return result.stdout


@pytest.mark.parametrize("name", TUTORIAL)
def test_golden_svg(name, assert_golden):
    depth = ["--depth", "1"] if name in DEEP else []
    text = ran(["draw", name, "--figures", *depth])
    read_svg(text)  # well-formed
    assert_golden(f"pictures/{name}{'_depth1' if depth else ''}.svg", text)


@pytest.mark.parametrize("name", TUTORIAL)
def test_golden_mermaid(name, assert_golden):
    text = ran(["draw", name, "--format", "mermaid"])
    read_mermaid(text)
    assert_golden(f"pictures/{name}.mmd", text)


@pytest.mark.parametrize("name", TUTORIAL)
def test_golden_dot(name, assert_golden):
    text = ran(["draw", name, "--format", "dot", "--depth", "2", "--figures"])
    read_dot(text)
    assert_golden(f"pictures/{name}_depth2.dot", text)


@pytest.mark.parametrize("suffix, check", [(".svg", read_svg), (".mmd", read_mermaid), (".mermaid", read_mermaid),
                                           (".dot", read_dot), (".gv", read_dot)])
def test_the_suffix_names_the_format(suffix, check, tmp_path):
    target = tmp_path / f"lenet5{suffix}"
    assert ran(["draw", "lenet5", "-o", str(target)]) == ""
    check(target.read_text(encoding="utf-8"))
    assert ran(["draw", "lenet5", "--format", check.__name__.split("_")[1].replace("svg", "svg")]) \
        == target.read_text(encoding="utf-8")


def test_svg_is_the_default_on_stdout():
    assert ran(["draw", "lenet5"]).startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-")])
def test_png_and_pdf_with_the_draw_extra(fmt, magic, tmp_path):
    pytest.importorskip("cairosvg")
    target = tmp_path / f"resnet18.{fmt}"
    assert ran(["draw", "resnet18", "--depth", "1", "-o", str(target)]) == ""
    assert target.read_bytes().startswith(magic)


def test_png_without_the_draw_extra_names_it(monkeypatch, tmp_path):
    real = builtins.__import__

    def without_cairosvg(name, *args, **kwargs):
        if name == "cairosvg":
            raise ImportError("No module named 'cairosvg'")
        return real(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "cairosvg", raising=False)
    monkeypatch.setattr(builtins, "__import__", without_cairosvg)
    target = tmp_path / "x.png"
    bounded_refusal(["draw", "lenet5", "-o", str(target)], "PNG and PDF need cairosvg", "pip install cairosvg",
                    "pip install -e '.[draw]'")
    assert not target.exists()


@pytest.mark.parametrize("args, fragments", [
    (["draw", "lenet5", "--depth", "0"], ["--depth", "0 is not in the range 1<=x<=64"]),
    (["draw", "lenet5", "--depth", "x"], ["--depth", "'x' is not a valid integer"]),
    (["draw", "lenet5", "--format", "gif"], ["'gif' is not one of 'svg', 'mermaid', 'dot', 'png', 'pdf'"]),
    (["draw", "lenet5", "-o", "x.gif"], ["--output x.gif: no format for the suffix '.gif'"]),
    (["draw", "lenet5", "-o", "x"], ["--output x: no format for the suffix '(none)'"]),
    (["draw", "lenet5", "-f", "mermaid", "-o", "x.svg"], ["--format mermaid and a .svg file ask for two formats"]),
    (["draw", "lenet5", "-f", "png"], ["PNG is written to a file: add -o FILE.png"]),
    (["draw", "lenet5", "-o", "/no/such/folder/x.svg"], ["no folder '/no/such/folder'"]),
    (["draw", "no_such_model"], ["no_such_model"]),
])
def test_bad_input_is_one_line(args, fragments, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bounded_refusal(args, *fragments)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_output_is_refused_before_any_work(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user writes into a read-only folder (root): see the /proc case below")
        bounded_refusal(["draw", "lenet5", "-o", str(folder / "x.svg")], "cannot be written to")
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc, where no one creates a file")
@pytest.mark.parametrize("suffix", ["svg", "png", "mmd"])
def test_a_failed_write_is_one_line(suffix):
    if suffix == "png":
        pytest.importorskip("cairosvg")
    bounded_refusal(["draw", "lenet5", "-o", f"/proc/x.{suffix}"], f"--output /proc/x.{suffix}: cannot write")


def test_a_real_process(tmp_path):
    target = tmp_path / "tiny.mmd"
    done = subprocess.run([sys.executable, "-m", "cnninspect", "draw", str(ROOT / "examples" / "tiny_net.yaml"),
                           "--depth", "1", "-o", str(target)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stderr
    nodes, edges = read_mermaid(target.read_text(encoding="utf-8"))
    assert "stages" in " ".join(nodes.values()) and len(edges) >= 8
    bad = subprocess.run([sys.executable, "-m", "cnninspect", "draw", "lenet5", "--depth", "-1"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == "" and len(bad.stderr.splitlines()) == 1
    assert "Traceback" not in bad.stderr
