"""`cnninspect check` in words: a line per spec, a line per failed expectation (located, so editors can jump),
and a total. The phrases are shared by the github and junit reports. Every line is inert: spec names, file names,
layer paths, keys and limits as written are text from files and flags."""

from __future__ import annotations

from fractions import Fraction

from cnninspect.core.budget import GROWTH, VERIFY, CheckReport, Finding, LayerRef, SpecCheck
from cnninspect.core.graph import Loc
from cnninspect.core.sizes import BYTES, Limit
from cnninspect.inert import inert
from cnninspect.render import figures
from cnninspect.render.text import plural

PASS, FAIL = "✓", "✗"
LABELS = {"max_params": "params", "max_macs": "MACs", "max_flops": "FLOPs", "max_param_memory": "parameter memory",
          "max_activation_memory": "activation memory", "max_train_memory": "training peak"}
MOST_LAYERS = 5  # unread layers named in one message (the JSON report has them all)


def render_text(report: CheckReport) -> str:
    lines = []
    for spec in report.specs:
        lines += spec_lines(spec)
    lines.append(total(report))
    return "\n".join(lines) + "\n"


def spec_lines(spec: SpecCheck) -> list[str]:
    return [inert(line) for line in _spec_lines(spec)]


def _spec_lines(spec: SpecCheck) -> list[str]:
    if spec.error:
        return [f"{FAIL} {spec.name}  invalid", f"  {spec.error}"]
    held = " · ".join(held_phrase(f) for f in spec.findings if f.ok)
    failed = [f for f in spec.findings if not f.ok]
    if not spec.findings:
        return [f"{PASS} {spec.name}  {unchecked(spec)}"]
    if not failed:
        return [f"{PASS} {spec.name}  {held}"]
    head = f"{FAIL} {spec.name}  {len(failed)} of {plural(len(spec.findings), 'expectation')} failed"
    return [head + (f"; held: {held}" if held else ""),
            *(f"  {where(spec, f) or spec.name}: {failure(f)}" for f in failed)]


def unchecked(spec: SpecCheck) -> str:
    """A valid spec without expectations: its main figures."""
    t = spec.summary.totals
    return (f"no expectations; params {figures.exact(t.params)} · MACs {figures.exact(t.macs)} · output "
            f"{figures.shape(spec.summary.analysis.output)}")


def total(report: CheckReport) -> str:
    setting = [f"input {figures.shape(report.input)}" if report.input else "",
               f"batch {report.batch}" if report.batch != 1 else "",
               report.dtype if report.dtype != "float32" else ""]
    at = ", ".join(s for s in setting if s)
    counts = [f"{report.count('pass')} passed", f"{report.count('fail')} failed"]
    if report.count("invalid"):
        counts.append(f"{report.count('invalid')} invalid")
    return f"{plural(len(report.specs), 'spec')}{' at ' + at if at else ''}: {', '.join(counts)}"


def where(spec: SpecCheck, finding: Finding) -> Loc | None:
    """Where a failure points: the spec's line for its own expectation; for a flag's, the layer concerned
    (in the spec's file), else the file itself. None for a zoo model checked against a flag."""
    if finding.expectation.loc is not None:
        return plain(finding.expectation.loc)
    layer = finding.layer
    if spec.file is None:
        return None
    return plain(layer.loc) if layer is not None and layer.loc.file == spec.file else Loc(spec.file)


def plain(loc: Loc) -> Loc:
    """file:line:col, or the file alone (JSON and TOML keep no lines)."""
    return loc if loc.line is not None else Loc(loc.file)


def failure(finding: Finding) -> str:
    """`max_params: params 138,357,544 > 5M (5,000,000), over by 133,357,544 (+2667%)`, inert."""
    return inert(_failure(finding))


def _failure(finding: Finding) -> str:
    e, actual = finding.expectation, finding.actual
    if isinstance(e.limit, Limit):
        over = f", over by {_over(finding.over, e.limit.kind)}"
        percent = f" (+{_percent(finding.over, e.limit.value)})" if e.limit.value else ""
        return f"{e.origin}: {LABELS[e.key]} {_amount(actual, e.limit.kind)} > {limit(e.limit)}{over}{percent}"
    if e.key == "expect_output":
        return f"{e.origin}: output {figures.shape(actual)} at {finding.layer.path}, expected {figures.shape(e.limit)}"
    if e.key == "min_receptive_field":
        return (f"{e.origin}: receptive field {figures.shape(actual)} at {finding.layer.path} < "
                f"{figures.shape(e.limit)}")
    if e.key == GROWTH:
        return f"{e.origin}: {_growth(finding)} > +{_fraction(e.limit.percent)}%"
    if e.key == VERIFY:
        details = "; ".join(f"{d.path}: {d.what}: cnninspect {d.ours}, torch {d.torch}" for d in actual)
        return f"{e.origin}: torch {finding.note} disagrees in {plural(len(actual), 'place')}: {details}"
    named = ", ".join(layer_ref(ref) for ref in actual[:MOST_LAYERS])
    more = f", and {len(actual) - MOST_LAYERS} more" if len(actual) > MOST_LAYERS else ""
    verb = "never reads some of its" if len(actual) == 1 else "never read some of their"
    return f"{e.origin}: {plural(len(actual), 'layer')} {verb} input: {named}{more}"


def held_phrase(finding: Finding) -> str:
    """`params 61,706 ≤ 100k (100,000)`: what held, compactly; inert."""
    return inert(_held_phrase(finding))


def _held_phrase(finding: Finding) -> str:
    e, actual = finding.expectation, finding.actual
    if isinstance(e.limit, Limit):
        return f"{LABELS[e.key]} {_amount(actual, e.limit.kind)} ≤ {limit(e.limit)}"
    if e.key == "expect_output":
        return f"output {figures.shape(actual)}"
    if e.key == "min_receptive_field":
        return f"receptive field {figures.shape(actual)} ≥ {figures.shape(e.limit)}"
    if e.key == GROWTH:
        if finding.note == "new":
            return f"{LABELS['max_' + e.limit.measure]}: new since {e.limit.baseline}, nothing to grow from"
        return f"{_growth(finding)} ≤ +{_fraction(e.limit.percent)}%"
    if e.key == VERIFY:
        return f"torch {finding.note} agrees"
    return "every input read"


def _growth(finding: Finding) -> str:
    """`params 24,346 → 53,794 since main (+121%)`; sizes readable and exact."""
    from cnninspect.render.diff_text import percent

    e, (old, new) = finding.expectation, finding.actual
    kind = BYTES if e.limit.measure.endswith("memory") else "count"
    return (f"{LABELS['max_' + e.limit.measure]} {_amount(old, kind)} → {_amount(new, kind)} since {e.limit.baseline} "
            f"({percent(old, new) if new != old else '+0%'})")


def _fraction(value: Fraction) -> str:
    """5, 0.5: a percentage as written (a decimal, so its denominator divides a power of ten)."""
    from cnninspect.core.sizes import decimal

    return decimal(value)


def limit(value: Limit) -> str:
    """As written and exactly: `5M (5,000,000)`, `200MB (200,000,000 B)`; a bare integer once: `5,000,000`."""
    exact = _exact(value.value, value.kind)
    return exact if value.plain else f"{value.text} ({exact})"


def layer_ref(ref: LayerRef) -> str:
    return f"{ref.path} ({ref.type_name}, {plain(ref.loc)})"


def _amount(value: int, kind: str) -> str:
    """A measured figure, exactly: `24,346`; a size readable and exact: `97.38 kB (97,384 B)`, `512 B`."""
    return f"{figures.size(value)} ({value:,} B)" if kind == BYTES and value >= 1000 else _exact(value, kind)


def _over(value: int, kind: str) -> str:
    """By how much a limit is passed: a count exactly, a size readable (both sides are exact beside it)."""
    return figures.size(value) if kind == BYTES else f"{value:,}"


def _exact(value: int, kind: str) -> str:
    return f"{value:,} B" if kind == BYTES else f"{value:,}"


def _percent(over: int, limit_value: int) -> str:
    """+2667%, +4.7%, +<0.1%: exact rationals, rounded half to even."""
    share = Fraction(over * 100, limit_value)
    if share >= 10:
        return f"{round(share)}%"
    tenths = round(share * 10)
    return f"{tenths // 10}.{tenths % 10}%" if tenths else "<0.1%"
