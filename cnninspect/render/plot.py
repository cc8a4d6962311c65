"""The tutorial's closing figure for whichever models were compared: ImageNet top-1 accuracy against GMACs
(torchvision's "GFLOPS"), bubble area by parameters, each model labelled. matplotlib comes from the `plot` extra."""

from __future__ import annotations

import os
import pathlib

from cnninspect.core.compare import Comparison
from cnninspect.errors import InputError
from cnninspect.inert import inert

FORMATS = (".svg", ".png")
SIZE_INCHES, DPI = (8.0, 5.0), 100  # a PNG of 800 x 500 pixels


def check_target(path: str) -> None:
    """What would stop the figure from being written, said before any work: its format, its folder, matplotlib."""
    target = pathlib.Path(path)
    if target.suffix.lower() not in FORMATS:
        raise InputError(f"the plot is written as .svg or .png. Received '{inert(path)}'", where="--plot")
    folder = target.parent
    if not folder.is_dir():
        why = f"'{inert(folder)}' is not a folder" if folder.exists() else f"there is no folder '{inert(folder)}'"
        raise InputError(f"cannot write '{inert(path)}': {why}", where="--plot")
    if target.is_dir() or not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        what = "it is a folder" if target.is_dir() else "permission denied"
        raise InputError(f"cannot write '{inert(path)}': {what}", where="--plot")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from cnninspect.extras import install_hint
        raise InputError(f"--plot needs matplotlib, which is not installed: {install_hint('plot')}") from None


def write_plot(comparison: Comparison, path: str) -> int:
    """Write the figure; return how many models it shows (those with a published accuracy)."""
    check_target(path)
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    from matplotlib import pyplot

    points = [(c.label, c.summary.totals.macs / 1e9, c.top1, c.summary.totals.params)
              for c in comparison.columns if c.summary is not None and c.top1 is not None]
    if not points:
        raise InputError("--plot shows published accuracy against MACs, and none of these models has an accuracy "
                         "in its spec's metadata (acc@1)", where="--plot")
    figure, axes = pyplot.subplots(figsize=SIZE_INCHES, dpi=DPI)
    largest = max(p for *_, p in points)
    scatter = axes.scatter([x for _, x, _, _ in points], [y for _, _, y, _ in points],
                           s=[2000 * p / largest + 30 for *_, p in points], alpha=0.45, edgecolors="black")
    scatter.set_gid("models")
    for index, (label, x, y, params) in enumerate(sorted(points, key=lambda p: p[1])):
        above = index % 2 == 0  # neighbours in x alternate above and below, so that close labels do not collide
        axes.annotate(f"{inert(label)}\n{params / 1e6:.1f}M params", (x, y), textcoords="offset points", fontsize=8,
                      xytext=(8, 8) if above else (8, -24), parse_math=False)  # a name is text: `$` is no mathtext
    axes.margins(x=0.15, y=0.2)
    axes.set_xscale("log")
    axes.set_xlabel("GMACs per image (torchvision's \"GFLOPS\"), log scale")
    axes.set_ylabel("ImageNet top-1 accuracy (%)")
    axes.set_title("Accuracy against computation; bubble area: parameters")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=DPI, metadata={"Date": None} if path.lower().endswith(".svg") else None)
    except OSError as error:  # the disk full, the folder gone since
        raise InputError(f"cannot write '{inert(path)}': {inert(error.strerror or error)}", where="--plot") from None
    finally:
        pyplot.close(figure)
    return len(points)
