"""Specs at git revisions, in a temporary repository: `diff FILE --rev REV` (includes read at the revision too) and
`check FILE --baseline REV --max-growth ...`; and every bad input one located line, exit status 2."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.cli_support import bounded_refusal, run_cli
from tests.diff.support import summary

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
EXAMPLES = pathlib.Path(__file__).parent.parent.parent / "examples"
FAMILY = """blocks:
  unit:
    params: {out: null}
    layers:
      - conv: {name: conv, out: out, kernel: KERNEL, padding: KERNEL // 2}
      - relu: {name: relu}
"""
NET = """name: net
input: [3, 32, 32]
include: [_family.yaml]
layers:
  - unit: {name: a, out: 8}
  - unit: {name: b, out: 16}
  - linear: {name: fc, out: 10}
"""


def git(folder: pathlib.Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(folder), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: pathlib.Path) -> pathlib.Path:
    """net.yaml and its _family.yaml committed (kernel 3, tag v1); then the family's kernel 5 committed (HEAD); in
    the working tree, block b wider (out 24) and a small_cnn.yaml in a folder."""
    git(tmp_path, "init", "-q")
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "_family.yaml").write_text(FAMILY.replace("KERNEL", "3"))
    (tmp_path / "configs" / "net.yaml").write_text(NET)
    shutil.copy(EXAMPLES / "small_cnn.yaml", tmp_path / "configs" / "small_cnn.yaml")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "one")
    git(tmp_path, "tag", "v1")
    (tmp_path / "configs" / "_family.yaml").write_text(FAMILY.replace("KERNEL", "5"))
    git(tmp_path, "commit", "-qam", "two")
    (tmp_path / "configs" / "net.yaml").write_text(NET.replace("out: 16", "out: 24"))
    small = (tmp_path / "configs" / "small_cnn.yaml").read_text()
    (tmp_path / "configs" / "small_cnn.yaml").write_text(small.replace("width: 16", "width: 17"))
    return tmp_path


def test_the_file_at_a_revision_against_the_working_tree(repo: pathlib.Path):
    net = repo / "configs" / "net.yaml"
    result = run_cli(["diff", str(net), "--rev", "HEAD", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["old"]["label"] == f"HEAD:{net}" and found["new"]["label"] == str(net)
    changed = {layer["path"]: layer for layer in found["layers"]}
    assert changed["b.conv"]["changes"] == [{"what": "out", "old": 16, "new": 24}]
    assert found["totals"]["params"]["delta"] == summary(str(net)).totals.params - 2 * 0 - _at(repo, "HEAD")


def _at(repo: pathlib.Path, rev: str) -> int:
    """The committed spec's parameters, from a checkout of that revision (git worktree), not from --rev."""
    folder = repo.parent / f"checkout-{rev}"
    git(repo, "worktree", "add", "-q", "--detach", str(folder), rev)
    return summary(str(folder / "configs" / "net.yaml")).totals.params


def test_includes_are_read_at_the_revision(repo: pathlib.Path):
    """At v1 the family's kernel was 3; the working tree's is 5: both convolutions changed, the old locations
    named REV:FILE."""
    net = repo / "configs" / "net.yaml"
    found = json.loads(run_cli(["diff", str(net), "--rev", "v1", "--format", "json"]).stdout)
    kernels = [c for layer in found["layers"] for c in layer["changes"] if c["what"] == "kernel"]
    assert kernels == [{"what": "kernel", "old": 3, "new": 5}] * 2
    family = f"v1:{os.path.dirname(str(net))}/_family.yaml"
    assert found["layers"][0]["old"]["where"].startswith(family + ":5:"), found["layers"][0]["old"]["where"]
    assert found["totals"]["params"]["old"] == _at(repo, "v1")


def test_exit_code_flag(repo: pathlib.Path):
    net = str(repo / "configs" / "net.yaml")
    assert run_cli(["diff", net, "--rev", "HEAD", "--exit-code"]).exit_code == 1
    assert run_cli(["diff", net, "--rev", "HEAD"]).exit_code == 0
    git(repo, "commit", "-qam", "three")
    same = run_cli(["diff", net, "--rev", "HEAD", "--exit-code"])
    assert same.exit_code == 0 and "no changes" in same.stdout


@pytest.mark.parametrize("args, fragments", [
    (["diff", "{net}", "--rev", "nosuchrev"], ["--rev nosuchrev: unknown revision"]),
    (["diff", "{net}", "--rev", "--all"], ["--rev --all: not a revision"]),
    (["diff", "{new}", "--rev", "HEAD"], ["--rev HEAD: ", "new.yaml does not exist at HEAD"]),
    (["diff", "{outside}", "--rev", "HEAD"], ["outside.yaml: not in a git repository"]),
    (["diff", "resnet18", "--rev", "HEAD"], ["--rev HEAD: --rev reads a spec file from git; 'resnet18' is a zoo"]),
    (["diff", "{net}", "{net}", "--rev", "HEAD"], ["--rev HEAD: --rev takes one FILE"]),
    (["diff", "{net}"], ["diff: expected two models, OLD and NEW, or one FILE with --rev REV"]),
    (["check", "{net}", "--baseline", "nosuchrev", "--max-growth", "params=5%"], ["--baseline nosuchrev: unknown"]),
    (["check", "{net}", "--baseline", "HEAD", "--max-growth", "params=abc"], ["--max-growth: expected MEASURE=N%"]),
    (["check", "{net}", "--baseline", "HEAD", "--max-growth", "foo=5%"], ["--max-growth: unknown measure 'foo'"]),
    (["check", "{net}", "--baseline", "HEAD", "--max-growth", "param=5%"], ["(did you mean 'params'?)"]),
    (["check", "{net}", "--max-growth", "params=5%"], ["--max-growth: --baseline REV and --max-growth"]),
    (["check", "{outside}", "--baseline", "HEAD", "--max-growth", "macs=1%"], ["outside.yaml: not in a git"]),
    (["check", "resnet18", "--baseline", "HEAD", "--max-growth", "macs=1%"], ["is a zoo model"]),
])
def test_bad_input_is_one_line(repo: pathlib.Path, tmp_path_factory, args, fragments):
    outside = tmp_path_factory.mktemp("not-git") / "outside.yaml"
    shutil.copy(EXAMPLES / "small_cnn.yaml", outside)
    (repo / "configs" / "new.yaml").write_text(NET)
    names = {"net": str(repo / "configs" / "net.yaml"), "new": str(repo / "configs" / "new.yaml"),
             "outside": str(outside)}
    bounded_refusal([a.format(**names) for a in args], *fragments)


def test_check_baseline_growth(repo: pathlib.Path):
    small = str(repo / "configs" / "small_cnn.yaml")
    old, new = _small_at_head(repo), summary(small)
    grew = (new.totals.params - old.totals.params) * 100 / old.totals.params  # about 13%
    held = run_cli(["check", small, "--baseline", "HEAD", "--max-growth", f"params={int(grew) + 1}%",
                    "--max-params", "1M", "--max-macs", "1G", "--max-param-memory", "1GB"])
    assert held.exit_code == 0, held.output
    assert f"params {old.totals.params:,} → {new.totals.params:,} since HEAD" in held.stdout
    failed = run_cli(["check", small, "--baseline", "HEAD", "--max-growth", f"params={int(grew)}%",
                      "--max-growth", "activation_memory=50%", "--max-params", "1M", "--max-macs", "1G",
                      "--max-param-memory", "1GB", "--format", "json"])
    assert failed.exit_code == 1
    checks = {c["origin"]: c for c in json.loads(failed.stdout)["specs"][0]["checks"]}
    growth = checks[f"--max-growth params={int(grew)}%"]
    assert growth["ok"] is False and growth["actual"] == [old.totals.params, new.totals.params]
    assert checks["--max-growth activation_memory=50%"]["ok"] is True


def test_a_spec_new_since_the_baseline_holds(repo: pathlib.Path):
    (repo / "configs" / "new.yaml").write_text(NET)
    result = run_cli(["check", str(repo / "configs" / "new.yaml"), "--baseline", "HEAD", "--max-growth", "params=1%"])
    assert result.exit_code == 0 and "params: new since HEAD, nothing to grow from" in result.stdout


def _small_at_head(repo: pathlib.Path):
    folder = repo.parent / "checkout-small"
    git(repo, "worktree", "add", "-q", "--detach", str(folder), "HEAD")
    return summary(str(folder / "configs" / "small_cnn.yaml"))


def test_a_real_subprocess(repo: pathlib.Path):
    """The installed console script, run as CI would, from the repository's root: annotations on the spec's lines,
    and an unknown revision one line and exit status 2."""
    done = subprocess.run(["cnninspect", "diff", "configs/net.yaml", "--rev", "HEAD", "--format", "github"],
                          cwd=repo, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    notices = [line for line in done.stdout.splitlines() if line.startswith("::notice ")]
    assert notices and all(line.startswith("::notice file=configs/") for line in notices)
    assert any(line.startswith("::notice file=configs/net.yaml,line=6,") for line in notices), notices
    bad = subprocess.run([sys.executable, "-m", "cnninspect", "diff", "configs/net.yaml", "--rev", "nosuchrev"],
                         cwd=repo, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.splitlines() == [bad.stderr.strip()] and "--rev nosuchrev: unknown revision" in bad.stderr
