"""--input against the ranks a model is written for (spec/rank.py): a wrong rank is refused with the fix, never
walked as another network (resnet18 at 1x3x224x224 would be Conv3d layers, at 224x224 Conv1d ones)."""

from __future__ import annotations

from cnninspect.errors import InputError
from cnninspect.inert import inert

AXES = {1: "C", 2: "C x L", 3: "C x H x W", 4: "C x D x H x W"}  # one sample's axes, in PyTorch's letters


def fit_rank(shape: tuple[int, ...], model, where: str = "--input") -> None:
    """Refuse `shape` (one sample's, from `where`) if `model` is not written for its rank, naming the fix."""
    ranks = model.ranks
    if not ranks or len(shape) in ranks:
        return
    takes = f"{' or '.join(AXES[r] for r in ranks)} ({' or '.join(map(str, ranks))} numbers)"
    channels = model.input[0]
    if len(shape) - 1 in ranks and shape[1] == channels:  # the batch written in: it has a flag of its own
        fix = f"one sample, {takes}; the batch goes in --batch: write {where} {_text(shape[1:])} --batch {shape[0]}"
    elif len(shape) + 1 in ranks:  # the channels left out
        fix = f"{takes}, channels first: write {where} {_text((channels, *shape))}"
    else:
        fix = f"{takes}, e.g. {_text(model.input)}"
    raise InputError(f"{inert(model.name)} takes {fix}. Received {_text(shape)}", where=where)


def _text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))
