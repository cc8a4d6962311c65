"""Round trip on every zoo model, without torchvision: cnninspect.build(zoo spec) -> import -> the imported
spec's analysis equals the zoo spec's in every row (kind, shape, parameters, MACs, receptive field, and the path
of every module), and both build modules with the same state_dict keys and shapes; on small models, the same
outputs with the same weights."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch

import cnninspect
from cnninspect.core.engine import analyze
from cnninspect.spec.load import load_model, zoo_names
from cnninspect.torch_backend.importer import import_module, verdict


def _rows(analysis):
    return [(r.kind, r.input, r.output, r.params, r.buffers, r.macs, r.ops, r.footprint, r.aux,
             r.path if r.module else "") for r in analysis.rows]


SMALL = 96  # the import runs one forward pass on the CPU: at 96x96 (Inception v3 at its own 299: its aux head needs it), quicker


def small(spec) -> tuple[int, ...]:
    side = spec.input[1] if spec.name == "inception_v3" else SMALL  # its aux head needs the full 299
    return spec.input if spec.input[1] <= side else (spec.input[0], side, side)


def imported(name: str, args: dict | None = None):
    spec = load_model(name)
    with torch.device("meta"):
        module = cnninspect.build(spec, small(spec), args)
    result = import_module(module, small(spec), name=name, source=f"zoo:{name}")
    return spec, verdict.spec_model(result.text, name), result


@pytest.mark.parametrize("name", zoo_names())
def test_every_zoo_model_comes_back_row_for_row(name):
    args = {"aux_logits": True} if name in ("googlenet", "inception_v3") else None
    spec, back, result = imported(name, args)
    assert _rows(analyze(back)) == _rows(analyze(spec, small(spec), args))
    assert _rows(analyze(back, spec.input)) == _rows(analyze(spec, spec.input, args))  # and at the spec's own
    with torch.device("meta"):
        ours, theirs = cnninspect.build(back).state_dict(), cnninspect.build(spec, None, args).state_dict()
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in theirs.items()}
    assert result.tracer.startswith("torch.fx")


@pytest.mark.parametrize("name, shape", [("lenet5", None), ("resnet18", (3, 64, 64)), ("squeezenet1_1", (3, 64, 64)),
                                         ("mobilenet_v3_small", (3, 64, 64)), ("shufflenet_v2_x1_0", (3, 64, 64))])
def test_the_same_weights_give_the_same_outputs(name, shape):
    spec, back, _ = imported(name)
    torch.manual_seed(0)
    original, rebuilt = cnninspect.build(spec, shape).eval(), cnninspect.build(back, shape).eval()
    rebuilt.load_state_dict(original.state_dict(), strict=True)
    x = torch.randn(2, *(shape or spec.input))
    with torch.no_grad():
        assert torch.equal(original(x), rebuilt(x))


def test_an_import_reads_like_its_family():
    """ResNet-50's bottlenecks are blocks, called per stage, the repeated ones as a repeat."""
    _, back, result = imported("resnet50")
    assert result.blocks >= 2 and "repeat:" in result.text
    assert len(result.text.splitlines()) < 120  # not one line per layer: it has 174 layers
    assert back.blocks and analyze(back).rows
