"""Expectations on an architecture — budgets, output shape, receptive field, the lint — and their verdicts.

Pure: the spec's `expect:` section (as written) and the command line's flags become Expectations; `evaluate`
holds them against a Summary and returns one Finding each. Flags override the spec's own expectations.
"""

from __future__ import annotations

import difflib
import re
from fractions import Fraction
from typing import Mapping, NamedTuple

from cnninspect.core import lint
from cnninspect.core.engine import Row
from cnninspect.core.graph import Loc, Model
from cnninspect.core.sizes import BYTES, COUNT, Limit, parse_limit
from cnninspect.core.summary import Summary
from cnninspect.errors import InputError
from cnninspect.spell import spell

# expectation -> what its value is; the order is the order of every report
KEYS = {
    "max_params": COUNT, "max_macs": COUNT, "max_flops": COUNT,
    "max_param_memory": BYTES, "max_activation_memory": BYTES, "max_train_memory": BYTES,
    "expect_output": "shape", "min_receptive_field": "sizes", "no_lint_warnings": "flag",
}
VERIFY = "verify"  # the torch cross-check: a finding, never written in a spec
MEASURES = {"max_params": "params", "max_macs": "macs", "max_flops": "flops",
            "max_param_memory": "param_bytes", "max_activation_memory": "activation_bytes"}
MAX_AXES = 4
GROWTH = "max_growth"  # --baseline REV --max-growth MEASURE=N%: against the spec file at a git revision (flags only)
GROWTH_MEASURES = {key.removeprefix("max_"): total for key, total in MEASURES.items()}  # params -> the total
_PERCENT = re.compile(r"\+?(?P<number>[0-9]{1,6}(?:\.[0-9]{1,6})?)\s*%")


def flag(key: str) -> str:
    return "--" + key.replace("_", "-")


class LayerRef(NamedTuple):
    path: str
    type_name: str
    loc: Loc


class Disagreement(NamedTuple):
    """Where torch and the analysis differ (--verify)."""

    path: str
    what: str
    ours: str
    torch: str


class Expectation(NamedTuple):
    key: str  # a KEYS name, or VERIFY
    limit: Limit | tuple[int, ...] | bool
    origin: str  # the flag ('--max-params') or the spec's key ('max_params')
    loc: Loc | None = None  # where the spec wrote it; None for a flag

    @property
    def from_spec(self) -> bool:
        return self.loc is not None


class Finding(NamedTuple):
    expectation: Expectation
    ok: bool
    actual: int | tuple  # a count or bytes; a shape; receptive-field sizes; LayerRefs; Disagreements
    layer: LayerRef | None = None  # the layer it is about: the output's, the receptive field's, the first unread
    note: str = ""  # --verify: torch's version

    @property
    def over(self) -> int | None:
        """How far a budget is exceeded; None when it holds or is not a budget."""
        limit = self.expectation.limit
        return self.actual - limit.value if isinstance(limit, Limit) and not self.ok else None


def from_flags(values: Mapping[str, object]) -> dict[str, Expectation]:
    """The flags' expectations (None: not given). A bad value raises InputError naming the flag."""
    found = {}
    for key, raw in values.items():
        if raw is None or raw is False:
            continue
        try:
            found[key] = Expectation(key, _value(key, raw), flag(key))
        except InputError as error:
            raise error.located(flag(key)) from None
    return found


def from_spec(model: Model) -> dict[str, Expectation]:
    """The spec's `expect:` section, checked: unknown names and bad values raise a located InputError."""
    found = {}
    for key, raw in model.expect.items():
        loc = model.expect_locs.get(key, Loc(model.file))
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"expect: unknown expectation {key!r}{hint}; the expectations are {', '.join(KEYS)}",
                             loc=loc)
        try:
            value = _value(key, raw)
        except InputError as error:
            raise InputError(error.message, loc=loc, where=f"expect.{key}") from None
        if value is not False:
            found[key] = Expectation(key, value, key, loc)
    return found


def combine(spec: Mapping[str, Expectation], flags: Mapping[str, Expectation]) -> tuple[Expectation, ...]:
    """The spec's expectations, each overridden by its flag, in the order of KEYS."""
    chosen = {**spec, **flags}
    return tuple(chosen[key] for key in KEYS if key in chosen)


def _value(key: str, raw: object) -> Limit | tuple[int, ...] | bool:
    kind = KEYS[key]
    if kind in (COUNT, BYTES):
        return parse_limit(raw, kind)
    if kind == "flag":
        if not isinstance(raw, bool):
            raise InputError(f"expected true or false. Received {spell(raw)}")
        return raw
    return _sizes(raw, "an output shape without the batch, e.g. 10 or 512x7x7" if kind == "shape"
                  else "a receptive field, e.g. 32 (every axis) or 32x32")


def _sizes(raw: object, what: str) -> tuple[int, ...]:
    """10, [512, 7, 7], '512x7x7' (command line or spec) → positive integers."""
    if isinstance(raw, str):
        parts = [p.strip() for p in re.split(r"[xX×]", raw.strip())]
        values = [int(p) if re.fullmatch(r"[0-9]{1,18}", p) else p for p in parts]
    elif isinstance(raw, list):
        values = list(raw)
    else:
        values = [raw]
    if not 1 <= len(values) <= MAX_AXES or not all(type(v) is int and 1 <= v < 10**18 for v in values):
        raise InputError(f"expected {what}: 1 to {MAX_AXES} positive integers. Received {spell(raw)}")
    return tuple(values)


class Growth(NamedTuple):
    """--max-growth MEASURE=N%: the measure may grow by at most `percent` against the spec at `baseline`."""

    measure: str  # a GROWTH_MEASURES name
    percent: Fraction
    baseline: str  # the git revision, as given


def from_growth(values: tuple[str, ...], baseline: str | None) -> tuple[Expectation, ...]:
    """--max-growth's expectations, in the order given (a measure given twice: the last one). Bad values and a
    --max-growth without --baseline (or the other way round) raise InputError naming the flag."""
    if bool(values) != bool(baseline):
        raise InputError("--baseline REV and --max-growth MEASURE=N% go together: the growth is measured against "
                         "the spec at REV", where="--max-growth" if values else f"--baseline {baseline}")
    found: dict[str, Expectation] = {}
    for text in values:
        name, sep, amount = text.partition("=")
        name = name.strip()
        if name not in GROWTH_MEASURES:
            close = difflib.get_close_matches(name, GROWTH_MEASURES, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"unknown measure {spell(name)}{hint}; the measures are {', '.join(GROWTH_MEASURES)}. "
                             f"Received {spell(text)}", where="--max-growth")
        match = _PERCENT.fullmatch(amount.strip()) if sep else None
        if match is None:
            raise InputError(f"expected MEASURE=N%, a growth in percent such as params=5% or macs=0.5%. Received "
                             f"{spell(text)}", where="--max-growth")
        found[name] = Expectation(GROWTH, Growth(name, Fraction(match["number"]), baseline),
                                  f"--max-growth {name}={match['number']}%")
    return tuple(found.values())


def growth(before: Summary | None, now: Summary, e: Expectation) -> Finding:
    """The growth of a total against the baseline's; a spec that was not there at the baseline holds (`note`)."""
    key = GROWTH_MEASURES[e.limit.measure]
    actual = getattr(now.totals, key)
    if before is None:
        return Finding(e, True, (None, actual), note="new")
    old = getattr(before.totals, key)
    return Finding(e, actual * 100 <= old * (100 + e.limit.percent), (old, actual))


def evaluate(summary: Summary, expectations: tuple[Expectation, ...]) -> tuple[Finding, ...]:
    return tuple(_RULES[e.key](summary, e) for e in expectations)


def _budget(summary: Summary, e: Expectation) -> Finding:
    actual = getattr(summary.totals, MEASURES[e.key])
    return Finding(e, actual <= e.limit.value, actual)


def _train_memory(summary: Summary, e: Expectation) -> Finding:
    """The peak of a training step (AdamW, at the batch and dtype; docs/training.md)."""
    from cnninspect.core.training import TrainConfig, train

    actual = train(summary.analysis, TrainConfig(summary.batch, summary.dtype)).peak.total
    return Finding(e, actual <= e.limit.value, actual)


def _output(summary: Summary, e: Expectation) -> Finding:
    actual = summary.analysis.output
    last = next((r for r in reversed(summary.analysis.rows) if not r.aux), None)
    return Finding(e, actual == e.limit, actual, _ref(last) if last else None)


def _receptive_field(summary: Summary, e: Expectation) -> Finding:
    last = summary.receptive_row
    if last is None:
        raise InputError("no layer has spatial axes, so there is no receptive field to check", loc=e.loc,
                         where="" if e.loc else e.origin)
    sizes = tuple(f.size for f in last.footprint)
    wanted = e.limit * len(sizes) if len(e.limit) == 1 else e.limit
    if len(wanted) != len(sizes):
        raise InputError(f"{'x'.join(map(str, e.limit))} has {len(e.limit)} axes, and the receptive field at "
                         f"{last.path} has {len(sizes)}: give one size for every axis, or one size", loc=e.loc,
                         where="" if e.loc else e.origin)
    return Finding(e, all(s >= w for s, w in zip(sizes, wanted)), sizes, _ref(last))


def _lint(summary: Summary, e: Expectation) -> Finding:
    unread = tuple(_ref(r) for r in summary.analysis.rows if lint.never_reads(r))  # the lint's '!'
    return Finding(e, not unread, unread, unread[0] if unread else None)


def _ref(row: Row) -> LayerRef:
    return LayerRef(row.path, row.type_name, row.loc)


_RULES = {**{key: _budget for key in MEASURES}, "max_train_memory": _train_memory, "expect_output": _output,
          "min_receptive_field": _receptive_field,
          "no_lint_warnings": _lint}


def verification(ok: bool, mismatches, rows: tuple[Row, ...], torch_version: str) -> Finding:
    """The torch cross-check as a finding; `mismatches` carry path, what, ours, torch (crosscheck.Mismatch)."""
    found = tuple(Disagreement(m.path, m.what, m.ours, m.torch) for m in mismatches)
    by_path = {r.path: r for r in rows}
    first = next((by_path[d.path] for d in found if d.path in by_path), None)
    return Finding(Expectation(VERIFY, True, "--verify"), ok, found, _ref(first) if first else None, torch_version)


class SpecCheck(NamedTuple):
    """One spec's verdict, or why it could not be checked."""

    name: str  # as given, or as found in a directory: examples/small_cnn.yaml, resnet18
    file: str | None  # the spec file; None for a zoo model or an argument that names nothing
    findings: tuple[Finding, ...] = ()
    summary: Summary | None = None
    problem: InputError | None = None  # an invalid spec: why, its place structured (loc, layer, where)

    @property
    def error(self) -> str:
        """An invalid spec's located line ("" for a valid one): the error, after the spec's name unless its
        place is the spec already (its file, or the argument that named nothing)."""
        problem = self.problem
        if problem is None:
            return ""
        placed = problem.loc.file == self.name if problem.loc is not None else problem.where == self.name
        return str(problem) if placed else f"{self.name}: {problem}"

    @property
    def status(self) -> str:
        if self.problem is not None:
            return "invalid"
        return "pass" if all(f.ok for f in self.findings) else "fail"


class CheckReport(NamedTuple):
    specs: tuple[SpecCheck, ...]
    batch: int
    dtype: str
    input: tuple[int, ...] | None  # --input, for every spec; None: each spec's own

    def count(self, status: str) -> int:
        return sum(s.status == status for s in self.specs)

    @property
    def exit_status(self) -> int:
        """0 every expectation held · 1 one failed · 2 a spec is invalid (the others were still checked)."""
        return 2 if self.count("invalid") else 1 if self.count("fail") else 0
