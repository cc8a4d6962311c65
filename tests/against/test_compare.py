"""torch_backend/against.py's comparison of two nn.Modules, on modules these tests define: what it must find (an
argument, a class, a tensor, an output shape, an output value) and what it must not (a number for its pair, one
sum in another order, a reference that cannot run on the meta device)."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import pathlib

import torch
from torch import nn

import cnninspect
from cnninspect.torch_backend import against
from cnninspect.torch_backend.against import compare, hyper_parameters, perturbed, same_value
from tests.against.nets.ref_nets import SmallNet

NETS = pathlib.Path(__file__).parent / "nets"


def found(comparison) -> set[tuple[str, str, str, str, str]]:
    return {(d.group, d.path, d.what, d.spec, d.reference) for d in comparison.differences}


def test_a_module_agrees_with_another_of_its_class():
    torch.manual_seed(1)
    spec = SmallNet()
    torch.manual_seed(2)
    result = compare(spec, SmallNet(), (3, 32, 32))
    assert result.ok, result.differences
    assert result.max_error == 0 and result.tolerance > 0
    assert result.modules == len([m for m in SmallNet().modules() if not list(m.children())])
    assert result.reference_params == result.spec_params == sum(p.numel() for p in SmallNet().parameters())


def test_the_wrong_spec_is_found_in_arguments_and_outputs():
    """The spec's build has BatchNorm2d(eps=1e-5, momentum=0.1) and ReLU(): the reference's are eps=1e-3,
    momentum=0.01 and inplace=True. Shapes and parameters agree; the arguments do not, nor (eps) the outputs."""
    spec, reference = cnninspect.build(str(NETS / "wrong_bn_relu.yaml")), SmallNet()
    result = compare(spec, reference, (3, 32, 32))
    bns = [p for p, m in reference.named_modules() if isinstance(m, nn.BatchNorm2d)]
    relus = [p for p, m in reference.named_modules() if isinstance(m, nn.ReLU)]
    expected = {("argument", p, "eps", repr(1e-5), repr(1e-3)) for p in bns}
    expected |= {("argument", p, "momentum", repr(0.1), repr(0.01)) for p in bns}
    expected |= {("argument", p, "inplace", "False", "True") for p in relus}
    assert {f for f in found(result) if f[0] == "argument"} == expected
    assert {d.group for d in result.differences} == {"argument", "output"}
    assert result.max_error > result.tolerance


def test_momentum_alone_shows_only_in_the_arguments():
    """In eval mode momentum changes no output: only comparing constructor arguments sees it."""
    spec, reference = SmallNet(), SmallNet()
    spec.bn1.momentum = 0.1
    result = compare(spec, reference, (3, 32, 32))
    assert found(result) == {("argument", "bn1", "momentum", "0.1", "0.01")}
    assert result.max_error is not None and result.max_error <= result.tolerance


def test_the_correct_spec_agrees():
    result = compare(cnninspect.build(str(NETS / "small_net.yaml")), SmallNet(), (3, 32, 32))
    assert result.ok, result.differences
    assert result.max_error is not None and result.outputs > 0 and result.shapes_on == "meta"


def test_a_width_error_is_found_in_the_tensors_and_the_total():
    spec, reference = cnninspect.build(str(NETS / "wrong_width.yaml")), SmallNet()
    result = compare(spec, reference, (3, 32, 32))
    total = ("parameter", "(total)", "parameters", f"{sum(p.numel() for p in spec.parameters()):,}",
             f"{sum(p.numel() for p in reference.parameters()):,}")
    assert total in found(result)
    wrong = tuple(spec.layer2.conv1.weight.shape)
    right = tuple(reference.layer2.conv1.weight.shape)
    assert wrong != right
    assert ("parameter", "layer2.conv1.weight", "shape", "x".join(map(str, wrong)), "x".join(map(str, right))) \
        in found(result)
    assert {"argument", "parameter", "buffer", "output shape"} <= {d.group for d in result.differences}
    assert result.max_error is None and "state_dicts differ" in result.skipped


class Pair(nn.Module):
    def __init__(self, *layers: nn.Module) -> None:
        super().__init__()
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


def test_class_and_missing_modules():
    spec = Pair(nn.Conv2d(3, 4, 3), nn.ReLU())
    reference = Pair(nn.Conv2d(3, 4, 3), nn.ReLU6())
    reference.unused = nn.Dropout()  # registered, never run: in the module tree all the same
    result = compare(spec, reference, (3, 8, 8))
    assert ("module", "body.1", "class", "ReLU", "ReLU6") in found(result)
    assert ("module", "unused", "only in the reference", "-", "Dropout (never run)") in found(result)


def test_an_empty_container_and_an_attribute_set_after_construction_are_no_difference():
    """ShuffleNetV2 keeps an empty branch1 it never calls; Inception3 sets fc.stddev for its initialisation."""
    spec, reference = Pair(nn.Conv2d(3, 4, 3)), Pair(nn.Conv2d(3, 4, 3))
    reference.branch1 = nn.Sequential()
    reference.body[0].stddev = 0.001
    assert compare(spec, reference, (3, 8, 8)).ok


def test_a_number_equals_its_pair_and_nothing_else():
    result = compare(Pair(nn.MaxPool2d(3, 2)), Pair(nn.MaxPool2d((3, 3), (2, 2))), (3, 8, 8))
    assert result.ok, result.differences
    assert same_value(3, (3, 3)) and same_value((1, 2), (1, 2)) and same_value(True, 1)
    assert not same_value(3, (3, 2)) and not same_value(3, ()) and not same_value("zeros", ("zeros",))
    assert not same_value(1e-5, 1e-3) and not same_value(0.075, 0.07500000000000001)
    assert hyper_parameters(nn.BatchNorm2d(8, eps=1e-3))["eps"] == 1e-3
    assert "training" not in hyper_parameters(nn.ReLU())


def test_a_stride_is_found_in_the_arguments_and_the_output_shapes():
    result = compare(Pair(nn.Conv2d(3, 4, 3, stride=1)), Pair(nn.Conv2d(3, 4, 3, stride=2)), (3, 9, 9))
    assert ("argument", "body.0", "stride", "(1, 1)", "(2, 2)") in found(result)
    assert ("output shape", "body.0", "output", "2x4x7x7", "2x4x4x4") in found(result)


class Scaled(nn.Module):
    """A parameter where the other side has a buffer of the same name and shape."""

    def __init__(self, as_buffer: bool) -> None:
        super().__init__()
        if as_buffer:
            self.register_buffer("scale", torch.ones(3))
        else:
            self.scale = nn.Parameter(torch.ones(3))

    def forward(self, x):
        return x * self.scale.view(1, 3, 1, 1)


def test_a_parameter_is_not_a_buffer():
    result = compare(Scaled(as_buffer=False), Scaled(as_buffer=True), (3, 4, 4))
    assert ("buffer", "scale", "kind", "parameter", "buffer") in found(result)


class Three(nn.Module):
    """Three convolutions summed, in an order of its own; `shift` added to the sum."""

    def __init__(self, order: tuple[int, int, int], shift: float = 0.0) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.Conv2d(3, 4, 3), nn.Conv2d(3, 4, 3), nn.Conv2d(3, 4, 3)
        self.order, self.shift = order, shift

    def forward(self, x):
        outs = [self.a(x) * 1e3, self.b(x), self.c(x) * 1e-3]
        i, j, k = self.order
        return (outs[i] + outs[j]) + outs[k] + self.shift


def test_one_sum_in_another_order_agrees_and_a_small_shift_does_not():
    reordered = compare(Three((0, 1, 2)), Three((2, 1, 0)), (3, 8, 8))
    assert reordered.ok and 0 < reordered.max_error <= reordered.tolerance  # rounding differs: hence a tolerance
    shifted = compare(Three((0, 1, 2)), Three((0, 1, 2), shift=1e-4), (3, 8, 8))
    assert [(d.group, d.path) for d in shifted.differences] == [("output", "(output)")]
    assert shifted.differences[0].what.startswith("value at [")


class MakesCpuTensors(nn.Module):
    """Builds a tensor in its forward pass without a device: cannot run on the meta device."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x) + torch.ones(1, dtype=x.dtype)


class Plain(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x) + 1


def test_a_reference_that_cannot_run_on_meta_runs_on_the_cpu():
    result = compare(Plain(), MakesCpuTensors(), (3, 8, 8))
    assert result.ok and result.shapes_on == "cpu", result.differences


def test_the_reference_keeps_its_weights():
    reference = SmallNet()
    before = {name: t.clone() for name, t in reference.state_dict().items()}
    compare(cnninspect.build(str(NETS / "wrong_bn_relu.yaml")), reference, (3, 32, 32))
    after = reference.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)


def test_an_activation_too_large_for_the_cpu_run_is_skipped_not_run():
    result = compare(Pair(nn.Conv2d(3, 64, 1)), Pair(nn.Conv2d(3, 64, 1)), (3, 2048, 2048))
    assert result.ok and result.max_error is None and "smaller input" in result.skipped


class Order(nn.Module):
    """conv, bn, relu, the batch norm applied before or after the ReLU."""

    def __init__(self, bn_first: bool) -> None:
        super().__init__()
        self.conv, self.bn, self.relu = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU()
        self.bn_first = bn_first

    def forward(self, x):
        x = self.conv(x)
        return self.relu(self.bn(x)) if self.bn_first else self.bn(self.relu(x))


def test_a_batch_norm_out_of_place_is_found_with_the_weights_perturbed(monkeypatch):
    """A fresh batch norm is x / sqrt(1 + eps): it commutes with the ReLU, and only perturbed weights show it."""
    assert not compare(Order(bn_first=True), Order(bn_first=False), (3, 8, 8)).ok
    monkeypatch.setattr(against, "SPREAD", 0.0)
    assert compare(Order(bn_first=True), Order(bn_first=False), (3, 8, 8)).ok


def test_perturbed_keeps_signs_ties_and_integers():
    module = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    module.tied = module[0]
    weights = perturbed(module)
    assert (weights["1.running_var"] > 0).all() and weights["1.running_mean"].any()
    assert weights["1.num_batches_tracked"].dtype == torch.long
    assert weights["tied.weight"] is weights["0.weight"] and weights["0.weight"].dtype == torch.float64
    assert (torch.sign(weights["0.weight"]) == torch.sign(module[0].weight.double())).all()
    assert torch.equal(perturbed(module)["0.weight"], weights["0.weight"])  # the same on every run


def test_a_layer_scale_follows_its_parameter_when_the_weights_are_assigned():
    """ConvNeXt's layer_scale is a parameter the build multiplies by: a meta build given weights by
    load_state_dict(assign=True), or run under functional_call, must use the weights given."""
    spec = cnninspect.build(str(NETS / "layer_scale.yaml"))
    with torch.no_grad():
        spec.block.layer_scale.uniform_()
    with torch.device("meta"):
        meta = cnninspect.build(str(NETS / "layer_scale.yaml"))
    meta.load_state_dict(spec.state_dict(), strict=True, assign=True)
    x = torch.randn(1, 3, 8, 8)
    with torch.no_grad():
        assert torch.equal(meta.eval()(x), spec.eval()(x))
    assert compare(meta, spec, (3, 8, 8)).ok
