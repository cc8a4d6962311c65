"""`compare`'s own refusals: an accuracy that is not a percentage, where it is written; a plot that cannot be
written, before any work. Each is exit 2, nothing on stdout, one located line on stderr, no traceback, under a
second, bounded memory; the JSON compare prints is always JSON (no NaN, no Infinity)."""

from __future__ import annotations

import errno
import importlib.util
import json

import pytest

from cnninspect.core import engine
from tests.cli_support import bounded_refusal, run_cli

needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="needs matplotlib, which is not installed (the plot extra)")


def with_accuracy(tmp_path, value: str, suffix: str = ".yaml", key: str = "acc@1"):
    path = tmp_path / f"net{suffix}"
    if suffix == ".yaml":
        path.write_text(f"input: [3, 8, 8]\nmetadata:\n  {key}: {value}\nlayers:\n  - conv: {{out: 4, kernel: 3}}\n")
    elif suffix == ".toml":
        path.write_text(f'input = [3, 8, 8]\n[metadata]\n"{key}" = {value}\n[[layers]]\nrelu = {{}}\n')
    else:
        path.write_text(f'{{"input": [3, 8, 8], "metadata": {{"{key}": {value}}}, "layers": ["relu"]}}')
    return path


@pytest.mark.parametrize("value, shown", [(".nan", "nan"), (".inf", "inf"), ("-.inf", "-inf"), ("100.5", "100.5"),
                                          ("-1", "-1"), ("1" + "0" * 30, "an integer of 100 bits")])
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_an_accuracy_that_is_not_a_percentage_is_refused_where_it_is_written(tmp_path, value, shown, fmt):
    path = with_accuracy(tmp_path, value)
    bounded_refusal(["compare", "alexnet", str(path), "--format", fmt],
                    "metadata 'acc@1' is the published ImageNet top-1 accuracy in percent, from 0 to 100. "
                    f"Received {shown}", where=f"{path}:3:10: ")


@pytest.mark.parametrize("suffix, value", [(".toml", "nan"), (".toml", "-inf"), (".json", "101"), (".json", "-0.5")])
def test_in_json_and_toml_with_the_data_path(tmp_path, suffix, value):
    path = with_accuracy(tmp_path, value, suffix, key="acc@5")
    bounded_refusal(["compare", str(path), "lenet5"], "metadata 'acc@5' is the published ImageNet top-5 accuracy in "
                    "percent", where=f"{path}: metadata.acc@5: ")


def strict_json(text: str):
    def refuse(constant):
        raise AssertionError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("value, top1", [("0", 0.0), ("100", 100.0), ("76.13", 76.13), ("'n/a'", None),
                                         ("true", None)])
def test_a_percentage_or_free_text_is_accepted_and_the_json_stays_json(tmp_path, value, top1):
    path = with_accuracy(tmp_path, value)
    for fmt in ("json", "table", "csv", "markdown"):
        result = run_cli(["compare", "alexnet", str(path), "--format", fmt])
        assert result.exit_code == 0, result.output
    data = strict_json(run_cli(["compare", "alexnet", str(path), "--format", "json"]).stdout)
    assert [c["top1"] for c in data["columns"]] == [56.522, top1]


# --plot: refused before any model is loaded or analysed.

@pytest.fixture
def no_work(monkeypatch):
    monkeypatch.setattr(engine, "analyze", lambda *a, **k: pytest.fail("analysed before the plot was refused"))


@pytest.mark.parametrize("target, message", [
    ("{tmp}/missing/dir/x.svg", "cannot write '{tmp}/missing/dir/x.svg': there is no folder '{tmp}/missing/dir'"),
    ("{tmp}/file/x.png", "cannot write '{tmp}/file/x.png': '{tmp}/file' is not a folder"),
    ("{tmp}/folder.svg", "cannot write '{tmp}/folder.svg': it is a folder"),
    ("{tmp}/x.pdf", "the plot is written as .svg or .png. Received '{tmp}/x.pdf'"),
    ("{tmp}/x\x1b[2J.svg", "cannot write '{tmp}/x\\x1b[2J.svg'"),
])
def test_a_plot_that_cannot_be_written_is_refused_before_any_work(tmp_path, no_work, target, message):
    (tmp_path / "file").write_text("")
    (tmp_path / "folder.svg").mkdir()
    if "\x1b" in target:
        (tmp_path / "x\x1b[2J.svg").mkdir()
    target, message = target.format(tmp=tmp_path), message.format(tmp=tmp_path)
    bounded_refusal(["compare", "alexnet", "vgg16", "--plot", target], message, where="--plot: ")


@needs_matplotlib
def test_a_full_disk_is_one_line(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full)
    target = tmp_path / "x.png"
    bounded_refusal(["compare", "alexnet", "vgg16", "--plot", str(target)],
                    f"cannot write '{target}': No space left on device", where="--plot: ")
