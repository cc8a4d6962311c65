"""A spec written with references against a module written by hand in torch: the same module tree, state_dict
keys, parameters, MACs (FlopCounterMode / 2), every module's output shapes in call order, and, with the hand
module's weights loaded strictly into the spec's build, the same outputs."""

from __future__ import annotations

from cnninspect.core.engine import analyze, clear_caches
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec
from tests.torch_oracle import _torch


def model_of(text: str):
    return build_model(read_spec("net.yaml", text), "net")


def calls(module, inputs) -> list[tuple[str, tuple[int, ...]]]:
    """(path, output shape) of every leaf module call, in the order torch runs them."""
    torch, _ = _torch()
    seen, hooks = [], []
    for name, sub in module.named_modules(remove_duplicate=False):
        if name and not list(sub.children()):
            hooks.append(sub.register_forward_hook(lambda m, i, o, name=name: seen.append((name, tuple(o.shape)))))
    with torch.no_grad():
        module(*inputs)
    for hook in hooks:
        hook.remove()
    return seen


def assert_same(text: str, reference, shapes, batch: int = 2):
    """The spec in `text`, at its own input shapes `shapes` (one per input), against the `reference` module."""
    torch, _ = _torch()
    from torch.utils.flop_counter import FlopCounterMode

    from cnninspect.torch_backend.build import SpecModel

    clear_caches()
    analysis = analyze(model_of(text))
    built = SpecModel(analysis).eval()
    reference = reference.eval()
    assert list(built.state_dict()) == list(reference.state_dict())
    assert [n for n, _ in built.named_parameters()] == [n for n, _ in reference.named_parameters()]
    assert sum(r.params for r in analysis.rows) == sum(p.numel() for p in reference.parameters())
    inputs = [torch.randn(batch, *shape) for shape in shapes]
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        expected = reference(*inputs)
    assert batch * sum(r.macs for r in analysis.rows if not r.aux) * 2 == counter.get_total_flops()
    assert (batch, *analysis.output) == tuple(expected.shape)
    rows = [(r.path, (batch, *r.output)) for r in analysis.rows if r.module and not r.aux]
    assert rows == calls(reference, inputs)
    built.load_state_dict(reference.state_dict(), strict=True)
    with torch.no_grad():
        got = built(*inputs)
    assert torch.allclose(got, expected, atol=1e-5), (got - expected).abs().max()
    return analysis
