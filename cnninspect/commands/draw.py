"""`cnninspect draw`: a model's architecture diagram as SVG, mermaid or dot (PNG and PDF with the draw extra)."""

from __future__ import annotations

import os

import click

from cnninspect.commands.formats import PICTURES, FormatChoice, emit, output_option
from cnninspect.commands.options import complete_model, input_option, model_input, parse_settings, set_option
from cnninspect.errors import InputError

FORMATS = PICTURES["draw"]  # the default first
SUFFIXES = {".svg": "svg", ".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot", ".png": "png",
            ".pdf": "pdf"}
BINARY = ("png", "pdf")  # converted from the SVG by cairosvg (the draw extra)

HELP = """Draw MODEL's architecture (a zoo name, a spec file, or - for standard input): a box per
layer, coloured by kind (conv, pool, norm, activation, linear, merge, other), with its settings;
the tensor's shape on every edge; branches side by side and merges drawn as merges; auxiliary
heads apart, dashed; the lint's ! (input never read) and ~ (only padding) on the layer.

\b
The format is --format's, else -o's suffix (.svg, .mmd or .mermaid, .dot or .gv, .png, .pdf),
else SVG on stdout. PNG and PDF are converted from the SVG by cairosvg, the draw extra
(pip install cairosvg, or from a checkout: pip install -e '.[draw]'). No graphviz is needed:
the layout follows the spec's structure; dot is there for those who want graphviz's.

\b
--depth N folds every layer deeper than N path components into one box per block (one per
Inception module at --depth 1), and runs of identical blocks into one box ×N; --figures adds
parameters and MACs to each box (a block's: its sum, each for ×N).

\b
  cnninspect draw resnet18 -o resnet18.svg
  cnninspect draw googlenet --depth 1 --figures -o googlenet.svg
  cnninspect draw examples/tiny_net.yaml --format mermaid
  cnninspect draw inception_v3 --depth 1 --format dot -o inception_v3.dot
"""


@click.command(help=HELP)
@click.argument("model", shell_complete=complete_model)
@input_option
@set_option
@click.option("--format", "-f", "fmt", type=FormatChoice(FORMATS), default=FORMATS[0], show_default=True,
              help="Output format [default: -o's suffix, else svg].")
@output_option("Write the diagram to FILE instead of stdout; its suffix names the format.")
@click.option("--depth", type=click.IntRange(1, 64), help="Fold layers deeper than N path components into blocks.")
@click.option("--figures", is_flag=True, help="Parameters and MACs on every box.")
def draw(model: str, input_text: str | None, settings: tuple[str, ...], fmt: str, output_file: str | None,
         depth: int | None, figures: bool) -> None:
    fmt = chosen_format(click.get_current_context(), fmt, output_file)
    if fmt in BINARY:
        _converter()  # refused before any work
    from cnninspect.core.engine import analyze
    from cnninspect.render.diagram.structure import diagram
    from cnninspect.spec.load import load_with

    spec, given = load_with(model, parse_settings(settings))  # a source's --set: its constructor's
    drawn = diagram(analyze(spec, model_input(input_text, spec), given), depth)
    if fmt == "mermaid":
        from cnninspect.render.diagram.text import render_mermaid
        return emit(render_mermaid(drawn, figures), output_file)
    if fmt == "dot":
        from cnninspect.render.diagram.text import render_dot
        return emit(render_dot(drawn, figures), output_file)
    from cnninspect.render.diagram.svg import render_svg
    svg = render_svg(drawn, figures)
    if fmt == "svg":
        return emit(svg, output_file)
    _write_binary(_convert(svg, fmt), output_file)


def chosen_format(ctx: click.Context, fmt: str, output_file: str | None) -> str:
    """--format where given, else -o's suffix, else svg; a known suffix that says otherwise is refused."""
    suffix = os.path.splitext(output_file or "")[1].lower()
    given = ctx.get_parameter_source("fmt") is click.core.ParameterSource.COMMANDLINE
    by_suffix = SUFFIXES.get(suffix)
    if given and by_suffix is not None and by_suffix != fmt:
        raise InputError(f"--format {fmt} and a {suffix} file ask for two formats; give one",
                         where=f"--output {output_file}")
    if not given and output_file not in (None, "-") and by_suffix is None:
        known = ", ".join(SUFFIXES)
        raise InputError(f"no format for the suffix {suffix or '(none)'!r}: name it with --format, or end the file "
                         f"in {known}", where=f"--output {output_file}")
    fmt = fmt if given else by_suffix or fmt
    if fmt in BINARY and output_file in (None, "-"):
        raise InputError(f"{fmt.upper()} is written to a file: add -o FILE.{fmt}", where="--format")
    return fmt


def _converter():
    try:
        import cairosvg
    except (ImportError, OSError):  # OSError: cairosvg installed, the cairo library it loads missing
        from cnninspect.extras import install_hint
        raise InputError(f"PNG and PDF need cairosvg, which is not installed: {install_hint('draw')}") from None
    return cairosvg


def _convert(svg: str, fmt: str) -> bytes:
    cairosvg = _converter()
    convert = cairosvg.svg2png if fmt == "png" else cairosvg.svg2pdf
    return convert(bytestring=svg.encode("utf-8"))


def _write_binary(data: bytes, output_file: str) -> None:
    try:
        with open(output_file, "wb") as out:
            out.write(data)
    except OSError as error:
        raise InputError(f"cannot write the diagram: {error.strerror or error}", where=f"--output {output_file}") \
            from None
