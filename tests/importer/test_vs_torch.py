"""Modules written here, imported, against torch itself: parameters, every module's output shape (forward
hooks), MACs = FlopCounterMode / 2, the state_dict of cnninspect.build(spec); and what the importer refuses,
listed (never a silent zero)."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnninspect
from cnninspect.core.engine import analyze
from cnninspect.errors import InputError
from cnninspect.torch_backend.importer import import_module, verdict


def oracle(module: nn.Module, shape):
    """torch's own figures: parameters, each module's output shape (first call), MACs, state_dict shapes."""
    seen = {}
    def hook(name):
        def record(module, inputs, output):
            seen.setdefault(name, tuple(output.shape[1:]))  # returns None: the output stays torch's
        return record

    handles = [m.register_forward_hook(hook(name)) for name, m in module.named_modules() if name]
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        module.eval()(torch.randn(1, *shape))
    for handle in handles:
        handle.remove()
    state = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    return sum(p.numel() for p in module.parameters()), seen, counter.get_total_flops() // 2, state


def check(make, shape):
    params, shapes, macs, state = oracle(make(), shape)
    result = import_module(make(), shape, name="net", source="test")
    spec = verdict.spec_model(result.text, "net")
    analysis = analyze(spec)
    assert sum(r.params for r in analysis.rows) == params
    assert sum(r.macs for r in analysis.rows if not r.aux) == macs
    rows = {r.path: r.output for r in analysis.rows if r.module and not r.aux}
    assert rows and all(tuple(rows[p]) == shapes[p] for p in rows)
    with torch.device("meta"):
        built = cnninspect.build(spec)
    assert {k: tuple(v.shape) for k, v in built.state_dict().items()} == state
    return result


class Residual(nn.Module):
    def __init__(self, c=8, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c, 2 * c if stride > 1 else c, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(self.conv1.out_channels)
        self.conv2 = nn.Conv2d(self.conv1.out_channels, self.conv1.out_channels, 3, padding=1)
        self.down = nn.Sequential(nn.Conv2d(c, 2 * c, 1, stride), nn.BatchNorm2d(2 * c)) if stride > 1 else None

    def forward(self, x):
        identity = x if self.down is None else self.down(x)
        return F.relu(self.conv2(F.relu(self.bn1(self.conv1(x)))) + identity)


class ResNetLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.layers = nn.Sequential(Residual(), Residual(), Residual(8, 2), Residual(16))
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        x = self.layers(torch.relu(self.stem(x)))
        return self.head(x.mean((2, 3)) if False else torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def test_a_residual_network():
    result = check(ResNetLike, (3, 16, 16))
    assert "residual" in result.text  # the repeated blocks are a block


class Functional(nn.Module):
    """Functions, methods and operators: each a functional layer or a merge."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.se1 = nn.Conv2d(8, 2, 1)
        self.se2 = nn.Conv2d(2, 8, 1)
        self.fc = nn.Linear(8 * 3 * 3, 4)

    def forward(self, x):
        x = F.max_pool2d(F.leaky_relu(self.conv(x), 0.2), 2)
        s = torch.sigmoid(self.se2(F.relu6(self.se1(F.adaptive_avg_pool2d(x, 1)))))
        x = x * s
        a, b = x.chunk(2, dim=1)
        x = torch.cat([F.hardswish(a), b.tanh()], 1)
        x = F.avg_pool2d(x.contiguous(), 2, 2)
        return F.softmax(self.fc(F.dropout(x.view(x.size(0), -1), 0.1, self.training)), dim=1)


def test_functions_methods_and_operators():
    result = check(Functional, (3, 14, 14))
    for kind in ("leaky_relu", "maxpool", "relu6", "sigmoid", "mul:", "chunk", "concat", "hardswish", "tanh",
                 "avgpool", "dropout", "flatten", "softmax"):
        assert kind in result.text, kind


class WithAux(nn.Module):
    """A training-only head, as GoogLeNet's: the forward returns it beside the logits in training."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3)
        self.aux = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
        self.b = nn.Conv2d(4, 4, 3)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.a(x)
        side = self.aux(x) if self.training else None
        x = self.fc(torch.flatten(F.adaptive_avg_pool2d(self.b(x), 1), 1))
        return (x, side) if self.training else x


def test_a_training_only_head_is_an_aux_node():
    result = check(WithAux, (3, 12, 12))
    assert "aux:" in result.text and "(eval and training mode)" in result.text
    analysis = analyze(verdict.spec_model(result.text, "net"))
    assert [r.path for r in analysis.rows if r.aux] == ["aux.0", "aux.1", "aux.2"]


class Dense(nn.Module):
    """DenseNet's wiring: the input read again after the first merge."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(3, 3, 1), nn.Conv2d(6, 3, 1)

    def forward(self, x):
        y = torch.cat([x, self.a(x)], 1)
        return torch.cat([x, y, self.b(y)], 1)


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return self.conv(self.conv(x))


class Unexpressible(nn.Module):
    def __init__(self):
        super().__init__()
        self.shuffle = nn.PixelShuffle(2)
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        x = torch.roll(self.shuffle(self.conv(x)), 1, 2)
        return torch.roll(x, 1, 3) + 1


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, x):
        return self.conv(x), x


def test_a_dag_reads_earlier_outputs_by_reference():
    result = check(Dense, (3, 8, 8))
    assert "inputs: [" in result.text and "as: t_" in result.text


def test_a_module_used_twice_is_shared():
    result = check(Shared, (3, 8, 8))
    assert 'share: {path: "/conv"}' in result.text
    analysis = analyze(verdict.spec_model(result.text, "net"))
    once = sum(p.numel() for p in Shared().parameters())  # torch counts a shared module's parameters once
    assert [(r.path, r.params) for r in analysis.rows] == [("conv", once), ("conv", 0)]


@pytest.mark.parametrize("make, fragment", [
    (Unexpressible, "cannot import 4 calls, so cnninspect writes no spec: module torch.nn.modules.pixelshuffle."
                    "PixelShuffle ×1 (first at 'shuffle'); op torch.roll ×2 (first at 'the model'); add with a number"),
    (TwoOutputs, "an output that is not one tensor"),
])
def test_what_it_cannot_express_is_listed_and_refused(make, fragment):
    with pytest.raises(InputError) as refused:
        import_module(make(), (3, 8, 8), name="net", source="net.py:Net")
    assert fragment in str(refused.value), str(refused.value)
    assert str(refused.value).startswith("net.py:Net: ") and "\n" not in str(refused.value)


def test_an_untraceable_forward_says_so():
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 3, 1)

        def forward(self, x):
            return self.conv(x) if x.sum() > 0 else x

    with pytest.raises(InputError, match="torch.fx cannot trace it"):
        import_module(Branchy(), (3, 8, 8), name="net", source="net.py:Net")


class NewKinds(nn.Module):
    """Each kind the `kinds` branch added, once, as modules and as functions."""

    def __init__(self):
        super().__init__()
        from cnninspect.torch_backend.modules import Conv2dSame, MaxPool2dSame

        self.pad = nn.ZeroPad2d((1, 2, 0, 1))
        self.conv = Conv2dSame(3, 8, 3, stride=2)
        self.norm = nn.GroupNorm(2, 8)
        self.act = nn.PReLU(8)
        self.pool = MaxPool2dSame((3, 3), (2, 2), 0, (1, 1))  # as its builder makes it: per axis
        self.elu = nn.ELU(0.5)
        self.drop = nn.Dropout2d(0.1)
        self.reflect = nn.ReflectionPad2d(1)
        self.fc = nn.Linear(8, 4)
        self.out = nn.LogSoftmax(dim=1)

    def forward(self, x):
        x = self.drop(self.elu(self.pool(self.act(self.norm(self.conv(self.pad(x)))))))
        x = F.pad(self.reflect(x), (1, 1, 1, 1), value=0.5)
        return F.log_softmax(self.out(self.fc(x.mean((2, 3)))), dim=1)


def test_every_new_kind():
    result = check(NewKinds, (3, 17, 15))
    for kind in ("zero_pad", "conv_same", "groupnorm", "prelu", "maxpool_same", "elu", "channel_dropout",
                 "reflection_pad", "constant_pad", "mean", "log_softmax"):
        assert f"{kind}:" in result.text, kind


class Splits(nn.Module):
    """Res2Net's split, and a size assertion as timm writes them (arithmetic on sizes: nothing to import)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 1)
        self.a, self.b = nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        torch._assert(x.ndim == 4, "expected 4D input")
        left, right = torch.split(self.conv(x), 4, 1)
        return torch.cat([self.a(left), self.b(right)], 1)


def test_a_split_and_a_size_assertion():
    result = check(Splits, (3, 8, 8))
    assert result.text.count("chunk:") == 2


class Paths(nn.Module):
    """timm's SelectiveKernel: one ModuleList whose members run in two branches (so its scope opens twice);
    `post`: a layer after them, so that two of these are not one block."""

    def __init__(self, post: bool, c=8):
        super().__init__()
        self.paths = nn.ModuleList([nn.Sequential(nn.Conv2d(c // 2, c // 2, 3, padding=1), nn.ReLU()),
                                    nn.Sequential(nn.Conv2d(c // 2, c // 2, 3, padding=2, dilation=2), nn.ReLU())])
        self.post = nn.Conv2d(c, c, 1) if post else nn.Identity()

    def forward(self, x):
        left, right = torch.chunk(x, 2, 1)
        return self.post(torch.cat([self.paths[0](left), self.paths[1](right)], 1))


class TwoPaths(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 1)
        self.a, self.b = Paths(post=True), Paths(post=False)

    def forward(self, x):
        return self.b(self.a(self.stem(x)))


def test_a_module_list_opened_in_two_branches_is_never_a_block_call():
    """Scopes of one class and structure become block calls; a module opened again (`paths`, once per branch)
    stays a named seq, as a block call names a module once (timm's skresnet18 failed so: 'the module name
    layer2.0.conv1.paths is used twice')."""
    result = check(TwoPaths, (3, 8, 8))
    assert result.text.count("name: paths") == 4
