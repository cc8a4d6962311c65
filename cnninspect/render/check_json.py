"""`cnninspect check --format json`: the report as a stable document (docs/check.md, version 1)."""

from __future__ import annotations

from cnninspect.core.budget import VERIFY, CheckReport, Finding, Growth, SpecCheck
from cnninspect.core.sizes import Limit
from cnninspect.render.check_text import failure, held_phrase, plain, where
from cnninspect.render.jsonfmt import dumps


def render_json(report: CheckReport) -> str:
    return dumps({
        "version": 1,
        "ok": report.exit_status == 0,
        "exit_status": report.exit_status,
        "input": list(report.input) if report.input else None,
        "batch": report.batch,
        "dtype": report.dtype,
        "counts": {"specs": len(report.specs), "passed": report.count("pass"), "failed": report.count("fail"),
                   "invalid": report.count("invalid")},
        "specs": [_spec(spec) for spec in report.specs],
    })


def _spec(spec: SpecCheck) -> dict:
    s = spec.summary
    totals = s.totals if s else None
    return {
        "spec": spec.name,
        "file": spec.file,
        "status": spec.status,
        "model": s.analysis.model.name if s else None,
        "input": list(s.analysis.input) if s else None,
        "output": list(s.analysis.output) if s else None,
        "totals": {"params": totals.params, "macs": totals.macs, "flops": totals.flops,
                   "param_bytes": totals.param_bytes, "activation_bytes": totals.activation_bytes} if s else None,
        "checks": [_finding(spec, f) for f in spec.findings],
        "error": spec.error or None,
        "location": spec.problem.location() if spec.problem else None,
        "message": spec.problem.unplaced if spec.problem else None,
    }


def _finding(spec: SpecCheck, finding: Finding) -> dict:
    e = finding.expectation
    loc = where(spec, finding)
    return {
        "expectation": e.key,
        "ok": finding.ok,
        "source": "spec" if e.from_spec else "flag",
        "origin": e.origin,
        "where": str(loc) if loc else None,
        "limit": _limit(e.limit),
        "actual": _actual(finding),
        "over": finding.over,
        "layer": _layer(finding.layer),
        "message": held_phrase(finding) if finding.ok else failure(finding),
    }


def _limit(limit) -> object:
    if isinstance(limit, Growth):
        return {"measure": limit.measure, "percent": str(limit.percent), "baseline": limit.baseline}
    if isinstance(limit, Limit):
        return {"text": limit.text, "value": limit.value, "unit": limit.kind}
    return list(limit) if isinstance(limit, tuple) else limit


def _actual(finding: Finding) -> object:
    key, actual = finding.expectation.key, finding.actual
    if key == "no_lint_warnings":
        return [_layer(ref) for ref in actual]
    if key == VERIFY:
        return [{"path": d.path, "what": d.what, "cnninspect": d.ours, "torch": d.torch} for d in actual]
    return list(actual) if isinstance(actual, tuple) else actual


def _layer(ref) -> dict | None:
    if ref is None:
        return None
    return {"path": ref.path, "type": ref.type_name, "where": str(plain(ref.loc))}
