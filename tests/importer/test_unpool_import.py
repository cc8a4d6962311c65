"""Max pools returning their indices and max unpools, against torch itself: encoder/decoder modules written here
(SegNet's pattern: one pool module called at every depth, `unpool(x, idx, output_size=pool_input.size())`, odd
sizes, functional pools and unpools, 1-D to 3-D), imported and analysed: parameters, every module call's output
shape (forward hooks), MACs = FlopCounterMode / 2; cnninspect.build of the imported spec loads the source's
state_dict strictly and gives identical outputs; the spec stays exact at other input sizes; what is refused."""

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
    """torch's figures: parameters, each module's output shape at every call (a pool's values, of its tuple), MACs,
    and the output."""
    seen: dict[str, list] = {}

    def hook(name):
        def record(module, inputs, output):
            first = output[0] if isinstance(output, tuple) else output
            seen.setdefault(name, []).append(tuple(first.shape[1:]))
        return record

    handles = [m.register_forward_hook(hook(name)) for name, m in module.named_modules() if name]
    counter = FlopCounterMode(display=False)
    x = torch.randn(2, *shape)
    with torch.no_grad(), counter:
        out = module.eval()(x)
    for handle in handles:
        handle.remove()
    return sum(p.numel() for p in module.parameters()), seen, counter.get_total_flops() // 2, x, out


def agrees(analysis, module, shape) -> None:
    """The analysis at `shape` is torch's there, call by call."""
    params, seen, macs, _, out = oracle(module, shape)
    assert sum(r.params for r in analysis.rows) == params
    assert sum(r.macs for r in analysis.rows) * 2 == macs  # the oracle ran a batch of 2
    calls: dict[str, list] = {}
    for row in analysis.rows:
        if row.module:
            calls.setdefault(row.path, []).append(tuple(row.output))
    assert calls and all(calls[path] == seen[path] for path in calls)
    assert tuple(analysis.output) == tuple(out.shape[1:])


def round_trip(make, shape, others=()):
    """Import at `shape`; the spec against torch there and at the `others`; its build loads the weights strictly
    and gives the same output."""
    torch.manual_seed(0)
    source = make()
    result = import_module(source, shape, name="net", source="test")
    spec = verdict.spec_model(result.text, "net")
    for at in (shape, *others):
        agrees(analyze(spec, at), source, at)
    built = cnninspect.build(spec)
    built.load_state_dict(source.state_dict(), strict=True)
    for at in (shape, *others):
        x = torch.randn(2, *at)
        with torch.no_grad():
            assert torch.equal(built.eval()(x), source.eval()(x))
    return result.text


class Block(nn.Module):
    def __init__(self, cin, cout, dims=2):
        super().__init__()
        self.conv = getattr(nn, f"Conv{dims}d")(cin, cout, 3, padding=1)
        self.bn = getattr(nn, f"BatchNorm{dims}d")(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class SegNet(nn.Module):
    """Three pool/unpool pairs: one pool module called twice, a functional pair, output sizes from the pools'
    inputs (odd sizes come back), one unpool module called twice."""

    def __init__(self):
        super().__init__()
        self.enc1, self.enc2, self.enc3 = Block(3, 8), Block(8, 16), Block(16, 16)
        self.pool = nn.MaxPool2d(2, 2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2, 2)
        self.dec3, self.dec2, self.dec1 = Block(16, 16), Block(16, 8), Block(8, 4)

    def forward(self, x):
        x1 = self.enc1(x)
        p1, i1 = self.pool(x1)
        x2 = self.enc2(p1)
        p2, i2 = self.pool(x2)
        x3 = self.enc3(p2)
        p3, i3 = F.max_pool2d(x3, 2, 2, return_indices=True)
        d3 = self.dec3(F.max_unpool2d(p3, i3, 2, 2, output_size=x3.size()))
        d2 = self.dec2(self.unpool(d3, i2, output_size=x2.size()))
        return self.dec1(self.unpool(d2, i1, output_size=x1.size()))


def test_segnet_at_odd_sizes_and_at_others():
    text = round_trip(SegNet, (3, 35, 45), others=[(3, 64, 48), (3, 17, 23)])
    assert text.count("size: input") == 3 and "return_indices" not in text
    assert text.count("indices: true") == 3


class Tuple(nn.Module):
    """The pool's tuple indexed, not unpacked; an unpool without output_size (even sizes, kernel 2); literal output
    sizes (odd ones, kernel 3 and padding 1)."""

    def __init__(self, dims=2, size=None):
        super().__init__()
        self.dims, self.size = dims, size
        window = (2, 2, 0) if size is None else (3, 2, 1)
        self.enc = Block(3, 6, dims)
        self.pool = getattr(nn, f"MaxPool{dims}d")(*window, return_indices=True)
        self.dec = Block(6, 6, dims)
        self.unpool = getattr(nn, f"MaxUnpool{dims}d")(*window)

    def forward(self, x):
        pooled = self.pool(self.enc(x))
        y = self.dec(pooled[0])
        return self.unpool(y, pooled[1], self.size) if self.size else self.unpool(y, pooled[1])


@pytest.mark.parametrize("dims, shape, size", [(1, (3, 20), None), (1, (3, 21), [21]), (2, (3, 10, 12), None),
                                                (2, (3, 9, 11), [9, 11]), (3, (3, 6, 8, 6), None),
                                                (3, (3, 5, 7, 6), [5, 7, 6])])
def test_one_to_three_dimensions_with_and_without_a_size(dims, shape, size):
    text = round_trip(lambda: Tuple(dims, size), shape)
    assert ("size:" in text) == (size is not None)


class Functional3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(2, 4, 3, padding=1)

    def forward(self, x):
        y, i = F.max_pool3d(x, 2, return_indices=True)
        return self.conv(F.max_unpool3d(torch.relu(y), i, 2, output_size=x.size()))


def test_functional_3d_pair():
    round_trip(Functional3d, (2, 7, 5, 9))


class OtherSize(nn.Module):
    """output_size from a tensor other than the pool's input: the spec could not say it, so it is refused."""

    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, x):
        y = self.conv(x)
        p, i = self.pool(x)
        return self.unpool(p, i, output_size=y.size()) + y


def test_an_output_size_it_cannot_say_is_refused():
    with pytest.raises(InputError) as caught:
        import_module(OtherSize(), (3, 8, 8), name="net", source="test")
    assert "max_unpool with an output_size other than its pool's input's size() or numbers" in str(caught.value)


def test_a_built_spec_runs_the_pairs_as_written():
    """A spec written by hand: cnninspect.build's forward is torch's MaxPool/MaxUnpool with the pool's indices."""
    from cnninspect.spec.build import build_model
    from cnninspect.spec.source import read_spec

    text = ("name: t\ninput: [2, 7, 9]\nlayers:\n  - maxpool: {kernel: 2, indices: true, name: p}\n"
            "  - maxunpool: {kernel: 2, indices: p, size: input}\n")
    model = cnninspect.build(build_model(read_spec("t.yaml", text), "t"))
    x = torch.randn(3, 2, 7, 9)
    y, i = F.max_pool2d(x, 2, return_indices=True)
    assert torch.equal(model(x), F.max_unpool2d(y, i, 2, output_size=x.size()))
