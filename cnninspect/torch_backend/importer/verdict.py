"""The import's last word: its spec, analysed without torch, against what torch measured on the source.

Every module layer's output shape (in forward order, path by path), the output, the parameters and buffers of
the whole module, and the MACs of the forward pass (FlopCounterMode / 2) must be equal, or the import refuses
with the first difference: an imported spec is exact, or there is none.
"""

from __future__ import annotations

from cnninspect.core.engine import analyze
from cnninspect.core.summary import totals
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec


def _show(shape) -> str:
    return "x".join(map(str, shape))


def spec_model(text: str, name: str):
    return build_model(read_spec(f"{name}.yaml", text), name, ())


def differences(text: str, name: str, traced, module, shape) -> list[str]:
    analysis = analyze(spec_model(text, name), shape)
    found = []
    measured = [(op.path, tuple(op.shape)) for op in traced.ops.values() if op.path and not op.functional]
    rows = [(row.path, tuple(row.output)) for row in analysis.rows
            if not row.aux and (row.module or row.kind == "layer_scale")]
    if sorted(measured) != sorted(rows):  # concat's branches run in the order of its operands, not always torch's
        wrong = sorted(set(rows) - set(measured)) or sorted(set(measured) - set(rows))
        path = wrong[0][0] if wrong else ""
        theirs = {p: s for p, s in measured}.get(path)
        found.append(f"'{path}' gives {_show({p: s for p, s in rows}.get(path, ()))} where torch's gives "
                     f"{_show(theirs) if theirs else 'nothing'}")
    if len(measured) != len(rows):
        found.append(f"{len(rows)} module layers where torch calls {len(measured)}")
    if tuple(analysis.output) != tuple(traced.ops[traced.output].shape):
        found.append(f"the output is {_show(analysis.output)} where torch's is "
                     f"{_show(traced.ops[traced.output].shape)}")
    ours = totals(analysis)  # a shared module's parameters at its first use only
    params = sum(p.numel() for p in module.parameters())
    spec_params = ours.params
    if spec_params != params:
        found.append(f"{spec_params:,} parameters where the module has {params:,}{_unused(module, traced)}")
    buffers = sum(b.numel() for name, b in module.state_dict().items()) - params
    spec_buffers = ours.buffers
    if spec_buffers != buffers and spec_params == params:
        found.append(f"{spec_buffers:,} buffer elements where the module's state_dict has {buffers:,}")
    macs = ours.macs
    if macs * 2 != traced.flops:
        found.append(f"{macs:,} MACs where FlopCounterMode counts {traced.flops // 2:,}")
    return found


def idle_parameters(module, traced) -> list[str]:
    """The modules holding parameters of their own that the traced forward never uses."""
    used = set(traced.calls) | {op.path for op in traced.ops.values() if op.path}
    idle = []
    for name, _ in module.named_parameters():
        parts = name.split(".")
        if not any(".".join(parts[:n]) in used for n in range(1, len(parts) + 1)):
            owner = ".".join(parts[:-1]) or name
            if owner not in idle:
                idle.append(owner)
    return idle


def _unused(module, traced) -> str:
    idle = idle_parameters(module, traced)
    return f" (the forward pass never uses {idle[0]}{f' and {len(idle) - 1} more' if len(idle) > 1 else ''})" \
        if idle else ""


def refuse_if_different(text: str, name: str, traced, module, shape, source: str) -> None:
    found = differences(text, name, traced, module, shape)
    if found:
        raise InputError(f"{source}: the import is not exact, so cnninspect writes none: {found[0]}")
