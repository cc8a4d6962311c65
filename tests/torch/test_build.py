"""cnninspect.build: the zoo's modules and state_dicts are torchvision's; a built model computes what the same
network written by hand computes."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import json
import pathlib

import torch

import cnninspect
from cnninspect.spec.load import zoo_names
from tests.torch.test_custom_spec import SPEC, TinyNet

DATA = pathlib.Path(__file__).parent.parent / "data" / "reference"
FAMILIES = json.loads((DATA / "zoo-models.json").read_text())["models"]
REFERENCE = {**json.loads((DATA / "tutorial-models.json").read_text())["models"], **FAMILIES}
CASES = {
    **{name: (name, {}) for name in FAMILIES if name in zoo_names()},
    "lenet5": ("lenet5", {}), "alexnet": ("alexnet", {}), "vgg16": ("vgg16", {}), "resnet18": ("resnet18", {}),
    "googlenet(aux_logits=True)": ("googlenet", {"aux_logits": True}),
    "googlenet(aux_logits=False)": ("googlenet", {"aux_logits": False}),
    "inception_v3(aux_logits=True)": ("inception_v3", {"aux_logits": True}),
    "inception_v3(aux_logits=False)": ("inception_v3", {"aux_logits": False}),
}


@pytest.mark.parametrize("case", CASES)
def test_state_dict_keys_and_shapes_are_torchvisions(case):
    name, args = CASES[case]
    with torch.device("meta"):  # shapes only: vgg16's 138M parameters cost nothing
        model = cnninspect.build(name, args=args)
    ours = {key: list(value.shape) for key, value in model.state_dict().items()}
    assert ours == REFERENCE[case]["state_dict"]
    with torch.no_grad():
        output = model.eval()(torch.empty(REFERENCE[case]["input"], device="meta"))
    assert list(output.shape) == REFERENCE[case]["output"]


def test_module_paths_are_the_references():
    with torch.device("meta"):
        model = cnninspect.build("resnet18")
    leaves = [name for name, module in model.named_modules() if not list(module.children())]
    reference = list(dict.fromkeys(layer["name"] for layer in REFERENCE["resnet18"]["layers_in_forward_order"]))
    assert leaves == reference


def test_a_built_model_computes_what_the_hand_written_one_does():
    """Residual adds, a projection, concatenation and depthwise convolution, with real numbers on the CPU."""
    torch.manual_seed(0)
    built = cnninspect.build(str(SPEC)).eval()
    by_hand = TinyNet().eval()
    by_hand.load_state_dict(built.state_dict(), strict=True)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(built(x), by_hand(x), atol=1e-6)


def test_auxiliary_heads_run_in_training_only():
    model = cnninspect.build("googlenet")
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        model.eval()(x)
        assert model.aux_outputs == []
        model.train()(x)
    assert [tuple(out.shape) for out in model.aux_outputs] == [(2, 1000), (2, 1000)]


def test_functional_layers_follow_train_and_eval():
    """LeNet-5's pools are functions in the reference: unregistered modules, yet in step with the model."""
    model = cnninspect.build("lenet5")
    assert [name for name, _ in model.named_children()] == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    model.eval()(torch.zeros(1, 1, 32, 32))
    assert all(not m.training for m in model._functional)


def test_every_layer_kind_has_a_torch_builder():
    from cnninspect.core.layers.catalog import KINDS
    from cnninspect.torch_backend.modules import BUILDERS

    assert set(BUILDERS) == {kind.name for kind in KINDS}
