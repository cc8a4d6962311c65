"""`cnninspect check` for CI systems: GitHub workflow annotations and JUnit XML.

Text from files and flags is inert in both: no control character reaches a CI log, and the XML stays well-formed
(XML 1.0 forbids most C0 characters, lone surrogates and U+FFFE/U+FFFF, all of which `inert` spells)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from cnninspect.core.budget import CheckReport, SpecCheck
from cnninspect.core.graph import Loc
from cnninspect.inert import inert
from cnninspect.render.check_text import failure, held_phrase, total, unchecked, where

TITLE = "cnninspect check"
SUITE = "cnninspect check"
CLASSNAME = "cnninspect.check"


def render_github(report: CheckReport) -> str:
    """One `::error` per failed expectation and per invalid spec, at its file and line; then the total."""
    lines = []
    for spec in report.specs:
        if spec.error:
            lines.append(annotation(error_loc(spec), inert(error_message(spec))))
        for finding in spec.findings:
            if not finding.ok:
                lines.append(annotation(where(spec, finding), failure(finding)))
    lines.append(total(report))
    return "\n".join(lines) + "\n"


def annotation(loc: Loc | None, message: str, level: str = "error", title: str = TITLE) -> str:
    """`::error file=F,line=L,col=C,title=T::message` (or `::notice`, `::warning`); a file without a known line
    points at line 1. The report's messages come inert (one line); any other control character is spelt here."""
    properties = []
    if loc is not None:
        properties += [f"file={_property(loc.file)}", f"line={loc.line or 1}"]
        properties += [f"col={loc.column}"] if loc.line and loc.column else []
    properties.append(f"title={_property(title)}")
    return f"::{level} {','.join(properties)}::{_data(message)}"


def error_loc(spec: SpecCheck) -> Loc | None:
    """Where an invalid spec's annotation points: its error's place, when that is in the spec file; else (no place,
    or one in an included file or at a git revision, which the message names) the spec file, at line 1. None for
    a zoo model: it is no file of the repository."""
    if spec.file is None:
        return None
    loc = spec.problem.loc
    return loc if loc is not None and loc.file == spec.file else Loc(spec.file)


def error_message(spec: SpecCheck) -> str:
    """An invalid spec's message without the place the annotation (or the testcase) already carries."""
    if spec.file is None:
        return spec.error
    return spec.problem.unplaced if error_loc(spec) == spec.problem.loc else str(spec.problem)


def _data(text: str) -> str:
    """A workflow command's message, escaped as GitHub documents (`%`, CR, LF), then inert."""
    return inert(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    """A property's value: as a message, and `:` and `,` too (they end a property)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_junit(report: CheckReport) -> str:
    """One testsuite; a testcase per spec: <failure> with every failed expectation, <error> for an invalid spec,
    and what held in <system-out>. No timestamps: the same specs give the same file."""
    counts = {"tests": str(len(report.specs)), "failures": str(report.count("fail")),
              "errors": str(report.count("invalid")), "skipped": "0"}
    root = ET.Element("testsuites", {"name": SUITE, **{k: v for k, v in counts.items() if k != "skipped"}})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE, **counts})
    for spec in report.specs:
        case = ET.SubElement(suite, "testcase", {"classname": CLASSNAME, "name": inert(spec.name),
                                                 **({"file": inert(spec.file)} if spec.file else {})})
        failed = [f for f in spec.findings if not f.ok]
        if spec.error:
            ET.SubElement(case, "error", {"type": "invalid spec", "message": inert(error_message(spec))}).text = \
                inert(spec.error)
        elif failed:
            message = "; ".join(failure(f) for f in failed)
            details = [inert(f"{where(spec, f) or spec.name}: {failure(f)}") for f in failed]
            ET.SubElement(case, "failure", {"type": inert(", ".join(f.expectation.key for f in failed)),
                                            "message": message}).text = "\n".join(details)
        held = [held_phrase(f) for f in spec.findings if f.ok]
        if held or not spec.findings and not spec.error:
            ET.SubElement(case, "system-out").text = "\n".join(held) if held else unchecked(spec)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
