"""Compare a spec's torch build with the reference implementation it follows: two nn.Modules, side by side.

What is compared (docs/verify.md says why each rule is what it is):

- **modules**: every leaf module (one without children; an empty Sequential/ModuleList/ModuleDict is none) by its
  path, and its class by name. Containers are not compared: the spec builds plain scopes where the reference has
  its own block classes (BasicBlock, Conv2dNormActivation); what a block does shows in its leaves and outputs.
- **arguments**: of each leaf pair of the same class, its constructor arguments as torch keeps them: every public
  attribute of the instance that holds plain data (numbers, booleans, strings, None, tuples and lists of those)
  and the names in the class's `__constants__` (eps, momentum, inplace, ceil_mode, padding_mode, ...), where both
  sides have them (one side's own was set after construction: inception's fc.stddev). A number equals a tuple of
  that number repeated (torch's `_pair`); lists equal tuples; otherwise Python's `==`: floats to the last bit.
- **parameters and buffers**: names, shapes and which of the two a tensor is; the parameter totals.
- **output shapes**: every leaf module's output, each call in order, from forward hooks on the meta device (the
  tensors replaced by meta ones with torch.func.functional_call, so nothing is allocated and neither module is
  touched); a reference that cannot run on the meta device runs on the CPU, under no_grad, with its own weights.
- **outputs**: the reference's state_dict loaded into the spec's build strictly (assign: the spec shares the
  reference's tensors); then both run, under functional_call, with one set of float64 weights (the reference's,
  perturbed: `perturbed`) on one random input on the CPU; they agree when max |spec − reference| ≤
  RTOL × max |reference|. Not run (with the reason) where the tensors differ: those differences are reported.

Both modules are put in eval mode; the spec's build receives the reference's weights; neither changes otherwise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from cnninspect.errors import InputError
from cnninspect.inert import inert

GROUPS = ("module", "argument", "parameter", "buffer", "output shape", "output")  # the report's order
RTOL = 1e-9  # float64: a different computation differs by far more; the same one in another order by ~1e-15
BATCH = 2  # two samples, so that a layer mixing the batch shows
SPREAD = 0.1  # how far the weights of the value comparison are moved from the reference's (perturbed's rule)
MAX_VALUE_BYTES = 2 * 2**30  # the CPU run is skipped where one activation in float64 would take more
_PLAIN = (bool, int, float, str, type(None))
_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
SOURCES = "torchvision:NAME, timm:NAME, FILE.py:NAME or package.module:NAME"


@dataclass(frozen=True, slots=True)
class Difference:
    group: str  # one of GROUPS
    path: str  # the module path, the tensor's name, or "(total)" / "(output)"
    what: str  # "class", "only in the reference", an argument's name, "shape", ...
    spec: str
    reference: str
    loc: str  # where the spec writes that layer (file:line:col), else the spec's file; "" where unknown
    module: str = ""  # the leaf's class, where the difference is a leaf's


@dataclass(frozen=True, slots=True)
class Comparison:
    modules: int  # leaf modules compared (paths in both)
    tensors: int  # parameter and buffer names compared
    spec_params: int
    reference_params: int
    outputs: int  # leaf module calls whose output shapes were compared
    shapes_on: str  # "meta", or "cpu" where the reference does not run on the meta device
    max_error: float | None  # of the outputs with the same weights; None where they were not compared
    tolerance: float | None
    skipped: str  # why the outputs were not compared ("" where they were)
    differences: tuple[Difference, ...]

    @property
    def ok(self) -> bool:
        return not self.differences


def compare(spec: nn.Module, reference: nn.Module, input_shape: tuple[int, ...], *,
            locs: Mapping[str, str] | None = None, file: str = "", batch: int = BATCH,
            values_input: tuple[int, ...] | None = None) -> Comparison:
    """Compare `spec` (a spec's build, on any device, the meta device included) with `reference` (on the CPU) at
    one sample of `input_shape` (the outputs' values at `values_input` where given: a smaller input is cheaper on
    the CPU). `locs` maps the spec's module paths to where it writes them (file:line:col); a path it lacks is
    located at its nearest ancestor, else at `file`."""
    where = _locator(locs or {}, file)
    spec.eval()
    reference.eval()
    ours, theirs = _leaves(spec), _leaves(reference)
    both = [path for path in theirs if path in ours]
    shape = (batch, *input_shape)
    shapes = _output_shapes(spec, reference, shape, both, where)
    found = _modules(ours, theirs, shapes.ran, where)
    for path in both:
        if type(ours[path]).__name__ == type(theirs[path]).__name__:
            found += _arguments(path, ours[path], theirs[path], where)
    tensors, tensor_found = _tensors(spec, reference, where)
    found += tensor_found + shapes.found
    max_error = tolerance = None
    if tensor_found:
        skipped = "not run: the state_dicts differ"
    elif 8 * max(shapes.largest, math.prod(shape)) > MAX_VALUE_BYTES:
        skipped = f"not run: an activation at input {_shape(shape)} takes over {MAX_VALUE_BYTES // 2**30} GiB in " \
                  f"float64; give a smaller input"
    else:
        values_shape = shape if values_input is None else (batch, *values_input)
        skipped, max_error, tolerance, value_found = _values(spec, reference, values_shape, where)
        found += value_found
    order = {group: index for index, group in enumerate(GROUPS)}
    found.sort(key=lambda d: order[d.group])  # stable: within a group, the order found (the reference's)
    return Comparison(len(both), tensors, _count(spec), _count(reference), shapes.calls, shapes.on, max_error,
                      tolerance, skipped, tuple(found))


def _locator(locs: Mapping[str, str], file: str) -> Callable[[str], str]:
    def where(path: str) -> str:
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            loc = locs.get(".".join(parts[:end]))
            if loc:
                return loc
        return file
    return where


def _leaves(module: nn.Module) -> dict[str, nn.Module]:
    """The modules without children, but empty containers (ShuffleNetV2's branch1 where it has none): they hold and
    do nothing."""
    return {path: m for path, m in module.named_modules() if next(m.children(), None) is None
            and not (isinstance(m, _CONTAINERS) and path)}


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _modules(ours: dict[str, nn.Module], theirs: dict[str, nn.Module], ran: tuple[set, set],
             where) -> list[Difference]:
    """Leaves on one side only (marked where the forward pass never runs them), and classes that differ."""
    def named(module: nn.Module, path: str, side: int) -> str:
        return type(module).__name__ + ("" if path in ran[side] else " (never run)")

    found = []
    for path, module in theirs.items():
        name = type(module).__name__
        if path not in ours:
            found.append(Difference("module", path, "only in the reference", "-", named(module, path, 1),
                                    where(path)))
        elif type(ours[path]).__name__ != name:
            found.append(Difference("module", path, "class", type(ours[path]).__name__, name, where(path)))
    for path, module in ours.items():
        if path not in theirs:
            found.append(Difference("module", path, "only in the spec", named(module, path, 0), "-", where(path)))
    return found


def hyper_parameters(module: nn.Module) -> dict[str, object]:
    """A leaf's constructor arguments, as torch keeps them: its public plain-data attributes and `__constants__`."""
    names = {name for name in vars(module) if not name.startswith("_") and name != "training"}
    names |= {name for name in getattr(type(module), "__constants__", ()) if isinstance(name, str)}
    found = {}
    for name in sorted(names):
        value = getattr(module, name, None)
        if _is_plain(value):
            found[name] = _normal(value)
    return found


def _is_plain(value, depth: int = 0) -> bool:
    if isinstance(value, (tuple, list)):
        return depth < 4 and all(_is_plain(v, depth + 1) for v in value)
    return isinstance(value, _PLAIN)


def _normal(value):
    return tuple(_normal(v) for v in value) if isinstance(value, (tuple, list)) else value


def same_value(a, b) -> bool:
    """Equal, where a number equals a tuple of that number repeated (torch's _pair) and lists equal tuples."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, tuple) or isinstance(b, tuple):
        many, one = (a, b) if isinstance(a, tuple) else (b, a)
        return bool(many) and isinstance(one, (int, float)) and all(same_value(x, one) for x in many)
    return a == b


def _arguments(path: str, ours: nn.Module, theirs: nn.Module, where) -> list[Difference]:
    a, b = hyper_parameters(ours), hyper_parameters(theirs)
    name = type(theirs).__name__
    found = []
    for argument in sorted(a.keys() & b.keys()):  # one side's own: set after construction (inception's fc.stddev)
        if not same_value(a[argument], b[argument]):
            found.append(Difference("argument", path, argument, repr(a[argument]), repr(b[argument]), where(path),
                                    name))
    return found


def _tensors(spec: nn.Module, reference: nn.Module, where) -> tuple[int, list[Difference]]:
    ours, theirs = _named_tensors(spec), _named_tensors(reference)
    found = []
    for name, (kind, shape) in theirs.items():
        owner = name.rpartition(".")[0]
        if name not in ours:
            found.append(Difference(kind, name, "only in the reference", "-", _shape(shape), where(owner)))
        elif ours[name][0] != kind:
            found.append(Difference(kind, name, "kind", ours[name][0], kind, where(owner)))
        elif ours[name][1] != shape:
            found.append(Difference(kind, name, "shape", _shape(ours[name][1]), _shape(shape), where(owner)))
    for name, (kind, shape) in ours.items():
        if name not in theirs:
            found.append(Difference(kind, name, "only in the spec", _shape(shape), "-", where(name.rpartition(".")[0])))
    a, b = _count(spec), _count(reference)
    if a != b:
        found.append(Difference("parameter", "(total)", "parameters", f"{a:,}", f"{b:,}", where("")))
    return len(theirs.keys() & ours.keys()), found


def _named_tensors(module: nn.Module) -> dict[str, tuple[str, tuple[int, ...]]]:
    found = {name: ("parameter", tuple(p.shape)) for name, p in module.named_parameters()}
    found.update({name: ("buffer", tuple(b.shape)) for name, b in module.named_buffers()})
    return found


def _shape(shape) -> str:
    return "x".join(map(str, shape)) if shape else "scalar"


class _Shapes(NamedTuple):
    on: str  # "meta", or "cpu" where the reference cannot run on the meta device
    calls: int  # leaf calls compared
    largest: int  # elements of the largest output seen
    ran: tuple[set, set]  # the leaves that ran: the spec's, the reference's
    found: list


def _output_shapes(spec, reference, shape, both, where) -> _Shapes:
    ours, _ = _shapes(spec, shape, allow_cpu=False)
    theirs, on = _shapes(reference, shape, allow_cpu=True)
    for side, result in (("spec", ours), ("reference", theirs)):
        if isinstance(result, str):
            pair = (f"raises {result}", "runs") if side == "spec" else ("runs", f"raises {result}")
            everything = (set(_leaves(spec)), set(_leaves(reference)))  # not known: none said never run
            return _Shapes(on, 0, 0, everything, [Difference("output shape", "(forward)", "run", *pair, where(""))])
    found, calls = [], 0
    for path in both:
        a, b = ours.get(path, []), theirs.get(path, [])
        calls += min(len(a), len(b))
        if a != b:
            found.append(Difference("output shape", path, "output", _calls(a), _calls(b), where(path),
                                    type(reference.get_submodule(path)).__name__))
    largest = max([math.prod(s) for seen in (ours, theirs) for outs in seen.values() for out in outs for s in out],
                  default=0)
    return _Shapes(on, calls, largest, (set(ours), set(theirs)), found)


def _calls(outputs: list[tuple[tuple[int, ...], ...]]) -> str:
    """A leaf's output shapes, call after call: `2x64x56x56; 2x64x56x56`."""
    return "; ".join(", ".join(map(_shape, out)) or "no tensor" for out in outputs) or "not run"


def _shapes(module: nn.Module, shape, allow_cpu: bool):
    """Every leaf's output shapes, in call order (or what the forward pass raised), and the device it ran on."""
    seen: dict[str, list[tuple[tuple[int, ...], ...]]] = {}
    hooks = [leaf.register_forward_hook(_recorder(seen, path)) for path, leaf in _leaves(module).items()]
    try:
        try:
            meta = {name: torch.empty_like(t, device="meta") for name, t in _tensor_items(module)}
            with torch.no_grad():
                torch.func.functional_call(module, meta, (torch.zeros(shape, device="meta"),))
            return seen, "meta"
        except Exception as error:  # a module that makes a CPU tensor in its forward pass, or an op meta lacks
            if not allow_cpu or _on_meta(module):
                return _first_line(error), "meta"
            seen.clear()
            try:
                with torch.no_grad():
                    module(torch.zeros(shape, dtype=_dtype(module)))
            except Exception as cpu_error:
                return _first_line(cpu_error), "cpu"
            return seen, "cpu"
    finally:
        for hook in hooks:
            hook.remove()


def _recorder(seen: dict, path: str):
    def record(module, inputs, output) -> None:
        seen.setdefault(path, []).append(tuple(tuple(t.shape) for t in _flat(output)))
    return record


def _tensor_items(module: nn.Module):
    return itertools.chain(module.named_parameters(remove_duplicate=False), module.named_buffers(remove_duplicate=False))


def _on_meta(module: nn.Module) -> bool:
    return any(t.is_meta for _, t in _tensor_items(module))


def _dtype(module: nn.Module) -> torch.dtype:
    return next((p.dtype for p in module.parameters() if p.is_floating_point()), torch.get_default_dtype())


def _flat(output, depth: int = 0) -> list[torch.Tensor]:
    """The tensors of an output: a tensor, or tuples, lists and dicts of them (a namedtuple is a tuple)."""
    if isinstance(output, torch.Tensor):
        return [output]
    if depth > 8:
        return []
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _flat(item, depth + 1)]
    return []


def _values(spec, reference, shape, where) -> tuple[str, float | None, float | None, list[Difference]]:
    try:
        spec.load_state_dict(reference.state_dict(), strict=True, assign=True)
    except RuntimeError as error:
        return f"not run: the reference's state_dict does not load: {_first_line(error)}", None, None, []
    weights = perturbed(reference)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    outputs = []
    for side, module in (("spec", spec), ("reference", reference)):
        try:
            with torch.no_grad():
                outputs.append(_flat(torch.func.functional_call(module, weights, (x.clone(),), strict=False)))
        except Exception as error:
            text = f"raises {_first_line(error)}"
            pair = (text, "runs") if side == "spec" else ("runs", text)
            return "", None, None, [Difference("output", "(output)", "run", *pair, where(""))]
    ours, theirs = outputs
    if [tuple(t.shape) for t in ours] != [tuple(t.shape) for t in theirs]:
        return "", None, None, [Difference("output", "(output)", "shape", ", ".join(_shape(t.shape) for t in ours),
                                           ", ".join(_shape(t.shape) for t in theirs), where(""))]
    tolerance = RTOL * max([0.0] + [t.abs().max().item() for t in theirs if t.numel() and t.is_floating_point()])
    error = max([0.0] + [(a - b).abs().max().item() for a, b in zip(ours, theirs) if a.numel()])
    if error <= tolerance:
        return "", error, tolerance, []
    worst = max(range(len(ours)), key=lambda i: (ours[i] - theirs[i]).abs().max().item() if ours[i].numel() else 0)
    a, b = ours[worst].flatten(), theirs[worst].flatten()
    flat = int((a - b).abs().nan_to_num(float("inf")).argmax())
    at = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), ours[worst].shape))
    return "", error, tolerance, [Difference(
        "output", "(output)" if len(ours) == 1 else f"(output {worst})", f"value at {list(at)}", f"{a[flat].item():.6g}",
        f"{b[flat].item():.6g} (max |spec - reference| {error:.3g} > tolerance {tolerance:.3g})", where(""))]


def perturbed(module: nn.Module) -> dict[str, torch.Tensor]:
    """The module's parameters and buffers in float64, each floating tensor changed the same way on every run:
    element-wise × (1 + SPREAD·N(0, 1)), and an all-zero tensor SPREAD·N(0, 1). Signs are kept (a variance stays
    positive); a freshly initialised batch norm (mean 0, variance 1, weight 1, bias 0: nearly the identity, which
    would commute with a ReLU) becomes a real affine map. Tied tensors stay tied; integers are kept."""
    generator, spread = torch.Generator().manual_seed(0), SPREAD
    made: dict[int, torch.Tensor] = {}
    weights = {}
    for name, tensor in _tensor_items(module):
        if id(tensor) not in made:
            t = tensor.detach()
            if t.is_floating_point():
                noise = torch.randn(t.shape, generator=generator, dtype=torch.float64)
                t = spread * noise if not t.any() else t.double() * (1 + spread * noise)
            made[id(tensor)] = t
        weights[name] = made[id(tensor)]
    return weights


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0][:300] if text else ""
    return f"{type(error).__name__}: {line}" if line else type(error).__name__


def reference_source(model, given: str | None):
    """The source to compare `model` with, and where it is written (a graph.Loc; None for the command line):
    `given` (--against SOURCE), else the spec's metadata.reference, where a FILE.py is relative to the spec's
    folder."""
    import os

    from cnninspect.core.graph import Loc
    from cnninspect.spec.sources import parse

    if given is not None:
        found = parse(given)
        if found is None:
            raise InputError(f"{inert(given)}: not a source; {SOURCES}", where="--against")
        return found, None
    locs = getattr(model.metadata, "value_locs", {})
    loc = locs.get("reference") or Loc(str(model.file))
    text = model.metadata.get("reference")
    if text is None:
        raise InputError(f"names no reference to compare with (metadata.reference); give --against SOURCE: "
                         f"{SOURCES}", loc=Loc(str(model.file)))
    if not isinstance(text, str):
        raise InputError(f"metadata.reference is a source: {SOURCES}", loc=loc)
    try:
        found = parse(text)
    except InputError as error:
        raise error.located(error.where, loc=loc) from None
    if found is None:
        raise InputError(f"metadata.reference {inert(text)!r} is not a source; {SOURCES}", loc=loc)
    folder = os.path.dirname(str(model.file))
    if found.kind == "file" and not os.path.isabs(found.target) and os.path.isfile(str(model.file)) and folder:
        target = os.path.join(folder, found.target)
        found = found._replace(target=target, text=f"{target}:{found.name}")
    return found, loc


def verify_against(analysis, source, where=None, values_input: tuple[int, ...] | None = None,
                   args: dict | None = None) -> Comparison:
    """Build the spec of `analysis` (on the meta device) and the module `source` names (with `args`, its
    constructor's keyword arguments), and compare them at the analysis' input. The spec's rows locate its layers;
    a source that fails to load is located at `where` (a graph.Loc, or None)."""
    from cnninspect.torch_backend.build import SpecModel, TorchRefused
    from cnninspect.torch_backend.sources import load_module

    try:
        with torch.random.fork_rng(devices=[]):  # its initial weights the same on every run, the caller's RNG kept
            torch.manual_seed(0)
            reference = load_module(source, args)
    except InputError as error:
        raise (error.located(error.where, loc=where) if where is not None and error.loc is None else error) from None
    try:
        with torch.device("meta"):
            spec = SpecModel(analysis)
    except TorchRefused as refused:
        row = analysis.rows[refused.index]
        found = Difference("module", row.path, "build", f"torch refuses to build it: {refused.detail}", "-",
                           str(row.loc))
        return Comparison(0, 0, 0, _count(reference), 0, "meta", None, None, "not run: torch refuses the spec",
                          (found,))
    locs: dict[str, str] = {}
    for row in analysis.rows:
        locs.setdefault(row.path, str(row.loc))
    return compare(spec, reference, analysis.input, locs=locs, file=str(analysis.model.file),
                   values_input=values_input)
