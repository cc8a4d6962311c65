"""Import a torch module as a spec, exactly: trace, map, recover the structure, write, check against torch.

    trace.py      fx trace (table.py's classes kept whole) run once on an example input: ops and their shapes
    table.py      torch module class -> layer kind, its fields read from the module's attributes
    ops.py        function and method calls -> functional layers, merges, nothing
    structure.py  the data flow as a tree of merges; the steps nested in their module scopes
    blocks.py     module scopes of one class and one structure -> one block, called several times
    emit.py       the tree as YAML text
    verdict.py    the spec's analysis against torch's measurements: exact, or refused

Never a silent zero: whatever cannot be expressed is listed (what, how often, the first path) and the import
refuses (InputError, exit 2).
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

from cnninspect.errors import InputError
from cnninspect.inert import inert

MAX_LISTED = 8


class Imported(NamedTuple):
    text: str  # the spec
    tracer: str  # how it was traced: "torch.fx"
    layers: int
    blocks: int


def import_module(module, shape: tuple[int, ...], *, name: str, source: str, header: list[str] | None = None
                  ) -> Imported:
    """The spec of `module` (in eval mode) at one sample of `shape`; `source` names it in messages.

    The import needs no weights: a module built on the meta device is given zeros on the CPU to run on (in
    place); one with weights runs on them, unchanged."""
    with _one_thread():
        return _imported(module, shape, name=name, source=source, header=header)


def _imported(module, shape: tuple[int, ...], *, name: str, source: str, header: list[str] | None) -> Imported:
    from cnninspect.torch_backend.importer import aux, blocks, emit, structure, trace, verdict

    module = _on_cpu(module).eval()
    traced = _traced(module, shape, source, False)
    refuse_problems(traced.problems, source)
    start = next(op.id for op in traced.ops.values() if op.kind == "input")
    dag = False
    try:
        steps = structure.tree(traced, start, traced.output)
        structure.check(traced, steps, start)
    except structure.NotATree:  # a DAG: every op in forward order, reading earlier outputs by reference
        steps, dag = structure.flat(traced), True
    tracer = traced.tracer
    if verdict.idle_parameters(module, traced) and not dag:  # heads that run in training only (GoogLeNet's aux1, aux2)?
        train = _traced(module.train(), shape, source, True)
        module.eval()
        refuse_problems(train.problems, source)
        try:
            steps = aux.insert(steps, aux.heads(traced, train))
        except (aux.NotAHead, structure.NotATree) as why:
            raise InputError(f"{inert(source)}: in training mode: {inert(str(why))}") from None
        tracer += " (eval and training mode)"
    classes = {path: f"{type(m).__module__}.{type(m).__qualname__}" for path, m in module.named_modules()}
    try:
        items = structure.nest(steps, classes)
    except structure.SplitScope as split:
        raise InputError(f"{inert(source)}: module '{inert(str(split))}' runs in two separate places (called "
                         f"twice, or its steps mixed with another module's)") from None
    stateful = frozenset(path for path, m in module.named_modules()
                         if any(True for _ in m.parameters(recurse=False)) or any(True for _ in m.buffers(recurse=False)))
    wiring = structure.wiring(traced, items, start) if dag else {}
    structure.paired(traced, items, wiring)  # max unpools name their pools
    defined, body = blocks.compress(items, wiring, stateful)
    text = "\n".join([*(f"# {inert(line)}" for line in [*(header or []), f"traced with {tracer}"]),
                      *emit.dump({"name": name, "source": source, "input": list(shape)}),
                      *(emit.dump({"blocks": defined}) if defined else []),
                      *emit.dump({"layers": body}), ""])
    verdict.refuse_if_different(text, name, traced, module, shape, inert(source))
    layers = sum(1 for op in traced.ops.values() if not op.merge and op.kind != "input")
    return Imported(text, tracer, layers, len(defined))


def _on_cpu(module):
    """Real tensors to run on: the module's own, or, where it was built on the meta device (no weights: an
    import needs none), zeros. Not the meta device: its batch norm runs through Python decompositions that import
    torch._dynamo and sympy (seconds, far longer than a ResNet-50's forward pass on the CPU). Nor `to_empty`: on
    a meta tensor its `empty_like` is such a decomposition too. Each meta tensor becomes `torch.zeros` of its
    shape and dtype, moved in place, each parameter the same object (swapped, not replaced): code holding a
    parameter, not its module (cnninspect.build's layer scale), still holds the model's."""
    import torch

    if not any(t.device.type == "meta" for t in (*module.parameters(), *module.buffers())):
        return module
    return _swapped(lambda: module._apply(
        lambda t: torch.zeros(t.shape, dtype=t.dtype) if t.device.type == "meta" else t))


def _swapped(move):
    import torch

    swapping = torch.__future__.get_swap_module_params_on_conversion()
    torch.__future__.set_swap_module_params_on_conversion(True)
    try:
        return move()
    finally:
        torch.__future__.set_swap_module_params_on_conversion(swapping)


@contextlib.contextmanager
def _one_thread():
    """The forward passes run on one CPU thread. They run once, at one sample, for shapes: torch's pool of
    intra-op threads gains little there, and on a busy machine its threads wait for each other (a ResNet-50's
    first forward pass took 4.8 s of wall time on 2 threads of a shared 2-core machine, 0.55 s on one:
    benchmarks/results/import_resnet50.md)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _traced(module, shape, source: str, training: bool):
    from cnninspect.torch_backend.importer import trace

    try:
        return trace.trace(module, shape, training)
    except trace.TraceFailed as failed:
        raise InputError(f"{inert(source)}: torch.fx cannot trace it ({inert(str(failed))})") from None


def refuse_problems(problems: list, source: str) -> None:
    """Each thing it cannot express, with how often and where first; one line."""
    if not problems:
        return
    counted: dict[str, list] = {}
    for problem in problems:
        counted.setdefault(problem.what, []).append(problem)
    parts = [f"{what}{found[0].why and ' ' + found[0].why} ×{len(found)} (first at '{found[0].where}')"
             for what, found in counted.items()]
    listed = "; ".join(parts[:MAX_LISTED]) + (f"; and {len(parts) - MAX_LISTED} more" if len(parts) > MAX_LISTED
                                               else "")
    raise InputError(f"{inert(source)}: cannot import {len(problems)} call{'s' if len(problems) > 1 else ''}, so "
                     f"cnninspect writes no spec: {inert(listed)}")


def _more(found: list) -> str:
    return f" (and {len(found) - 1} more)" if len(found) > 1 else ""


def versions(source) -> dict[str, str]:
    """The versions that make an import what it is: torch's, and the library's a source names."""
    from cnninspect.spec.sources import library_versions

    return library_versions(source)


def import_source(source, args: dict | None = None, shape: tuple[int, ...] | None = None) -> Imported:
    """Build the module a source names (with `args`) and import it at `shape`, or at its example input."""
    from cnninspect import __version__
    from cnninspect.torch_backend.sources import example_input, load_module, source_of

    source = source_of(source)
    try:  # on the meta device: nothing to initialise (a ResNet-50's weights take longer than its import)
        module = load_module(source, args, device="meta")
    except InputError:  # a constructor that reads values (x.item()) needs real tensors: the error, if any, is that
        module = load_module(source, args)
    shape = tuple(shape) if shape else example_input(source, module)
    if shape is None:
        raise InputError(f"{inert(source)}: say the example input to import it at: --input CxHxW (or give the class "
                         f"an input_size attribute, e.g. input_size = (3, 32, 32))")
    found = versions(source)
    settings = ", ".join(f"{k}={v!r}" for k, v in (args or {}).items())
    header = [f"imported by cnninspect {__version__} from {source}{f' ({settings})' if settings else ''}, "
              f"at {'x'.join(map(str, shape))}",
              "versions: " + ", ".join(f"{k} {v}" for k, v in found.items())]
    name = source.name.rsplit(".", 1)[-1] if source.kind in ("file", "module") else source.name
    return import_module(module, shape, name=_spec_name(name), source=str(source), header=header)


def _spec_name(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:100] or "imported"
