"""Check that cnninspect.build() gives torchvision's own networks: same state_dict keys and shapes, a strict
load of torchvision's weights, and the same output on a random input (eval mode; the largest difference at most
1e-5 of the largest output). Batch-norm statistics are randomised first: with torchvision's initial ones, some
networks (MobileNet, EfficientNet) give outputs near 1e-9, which any network would match within an absolute
tolerance.

torchvision is never a dependency of cnninspect: run this in a scratch virtual environment.

    python3 -m venv /tmp/tvenv
    /tmp/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1 torchinfo
    /tmp/tvenv/bin/pip install --no-deps -e .   # plus click, rich, PyYAML
    /tmp/tvenv/bin/python scripts/torchvision_equivalence.py [MODEL ...]   # default: every zoo model
    /tmp/tvenv/bin/python scripts/torchvision_equivalence.py --meta [MODEL ...]   # structure only, in seconds

--meta builds both on the meta device and compares the state_dict and every module's class and constructor
arguments, without weights or a forward pass.
"""

from __future__ import annotations

import sys
import warnings

import torch
import torchvision
import torchvision.models as tvm

import cnninspect
import cnninspect.spec.load

TOLERANCE = 1e-5
VARIANTS = {  # zoo models with arguments: their torchvision keyword arguments (init_weights: random weights)
    "googlenet": [({"aux_logits": True}, {"aux_logits": True, "init_weights": True}),
                  ({"aux_logits": False}, {"aux_logits": False, "init_weights": True})],
    "inception_v3": [({"aux_logits": True}, {"aux_logits": True, "init_weights": True}),
                     ({"aux_logits": False}, {"aux_logits": False, "init_weights": True})],
}


def cases(names: list[str]):
    """Every zoo model torchvision has (or the ones named), with its variants."""
    for name in names or cnninspect.spec.load.zoo_names():
        if name in tvm.list_models(module=tvm):
            yield from ((name, args, kwargs) for args, kwargs in VARIANTS.get(name, [({}, {})]))


def check_structure(name: str, args: dict, kwargs: dict) -> bool:
    """The state_dict's keys and shapes and every leaf module's class and constructor arguments, on meta."""
    kwargs = {k: v for k, v in kwargs.items() if k != "init_weights"}
    try:
        with torch.device("meta"):
            reference = tvm.get_model(name, weights=None, **kwargs)
    except NotImplementedError:  # RegNet computes its widths from tensors
        reference = tvm.get_model(name, weights=None, **kwargs).to("meta")
    with torch.device("meta"):
        ours = cnninspect.build(name, args=args)
    same_keys = ({k: tuple(v.shape) for k, v in reference.state_dict().items()}
                 == {k: tuple(v.shape) for k, v in ours.state_dict().items()})
    modules, mine = _modules(reference), _modules(ours)
    different = [path for path in sorted(set(modules) | set(mine)) if modules.get(path) != mine.get(path)]
    for path in different[:5]:
        print(f"  {path}: torchvision {modules.get(path)}, ours {mine.get(path)}")
    ok = same_keys and not different
    print(f"{'✓' if ok else '✗'} {name} {args or ''}: state_dict {'identical' if same_keys else 'DIFFERENT'} in keys "
          f"and shapes, {len(modules)} leaf modules "
          f"{'identical' if not different else f'DIFFERENT ({len(different)})'} in class and constructor arguments")
    return ok


def check(name: str, args: dict, kwargs: dict) -> bool:
    torch.manual_seed(0)
    reference = tvm.get_model(name, weights=None, **kwargs).eval()
    for module in reference.modules():
        if getattr(module, "running_var", None) is not None:  # statistics as a trained network has them
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    ours = cnninspect.build(name, args=args).eval()
    theirs = {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    mine = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
    same_keys = theirs == mine
    modules = _modules(reference)
    mine_modules = _modules(ours)
    different = [path for path in sorted(set(modules) | set(mine_modules)) if modules.get(path) != mine_modules.get(path)]
    for path in different[:5]:
        print(f"  {path}: torchvision {modules.get(path)}, ours {mine_modules.get(path)}")
    ours.load_state_dict(reference.state_dict(), strict=True)
    shape = cnninspect.spec.load.load_model(name).input
    x = torch.randn(2, *shape)
    with torch.no_grad():
        expected = reference(x)
        difference = ((ours(x) - expected).abs().max() / expected.abs().max()).item()
    ok = same_keys and difference <= TOLERANCE and not different
    print(f"{'✓' if ok else '✗'} {name} {args or ''}: {len(mine)} state_dict entries "
          f"{'identical' if same_keys else 'DIFFERENT'} in keys and shapes, {len(modules)} leaf modules "
          f"{'identical' if not different else f'DIFFERENT ({len(different)})'} in class and constructor arguments, "
          f"strict load ok, "
          f"largest difference {difference:.2e} of the largest output, on a random 2x{'x'.join(map(str, shape))} "
          f"input")
    return ok


def _modules(model: torch.nn.Module) -> dict[str, str]:
    """Every leaf module by path: its class and constructor arguments as torch prints them (extra_repr: a batch
    norm's eps and momentum, a ReLU's inplace, a pool's ceil_mode, a convolution's bias)."""
    return {path: f"{type(m).__name__}{_arguments(m)}" for path, m in model.named_modules()
            if not list(m.children())}


def _arguments(module: torch.nn.Module) -> dict:
    """What a module was built with: its plain attributes (in_channels, eps, momentum, inplace, p, mode, dims...)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(vars(module).items())
            if not k.startswith("_") and k != "training" and isinstance(v, (int, float, bool, str, tuple, list))}


def main() -> None:
    warnings.filterwarnings("ignore")
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, cnninspect {cnninspect.__version__}")
    meta = "--meta" in sys.argv[1:]
    names = [a for a in sys.argv[1:] if a != "--meta"]
    results = [(check_structure if meta else check)(name, args, kwargs) for name, args, kwargs in cases(names)]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
