"""Hand-written specs of a max pool returning its indices and a max unpool reading them, against torch's own
functions: each output shape, no parameters, MACs = FlopCounterMode / 2 (none), cnninspect.build's forward (the
same values as F.max_pool*d / F.max_unpool*d), the memory of the pool's values and int64 indices as torch
allocates them, and the torch backend's own cross-check; in 1-D to 3-D, with and without `size`."""

from __future__ import annotations

import json

import pytest

from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

import cnninspect
from cnninspect.core.engine import analyze
from cnninspect.core.summary import summarize
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec


def spec(shape, pool: dict, unpool: dict):
    layers = [{"maxpool": {**pool, "indices": True, "name": "pool"}}, {"maxunpool": {**unpool, "indices": "pool"}}]
    return build_model(read_spec("t.json", json.dumps({"name": "t", "input": list(shape), "layers": layers})), "t")


def torch_pair(x, pool: dict, unpool: dict):
    """The pool and the unpool by torch's functions, FlopCounterMode around them."""
    rank = x.dim() - 2
    size = unpool.get("size")
    size = x.shape if size == "input" else ([size] * rank if isinstance(size, int) else size)
    with FlopCounterMode(display=False) as counter:
        y, i = getattr(F, f"max_pool{rank}d")(x, pool["kernel"], pool.get("stride"), pool.get("padding", 0),
                                              ceil_mode=pool.get("ceil_mode", False), return_indices=True)
        z = getattr(F, f"max_unpool{rank}d")(y, i, unpool["kernel"], unpool.get("stride"),
                                             unpool.get("padding", 0), output_size=size)
    return y, i, z, counter.get_total_flops()


CASES = [
    ((2, 20), {"kernel": 2}, {"kernel": 2}),
    ((2, 21), {"kernel": 3, "stride": 2, "padding": 1}, {"kernel": 3, "stride": 2, "padding": 1, "size": "input"}),
    ((2, 21), {"kernel": 3, "stride": 2, "padding": 1}, {"kernel": 3, "stride": 2, "padding": 1, "size": 21}),
    ((3, 9, 11), {"kernel": 2}, {"kernel": 2, "size": "input"}),
    ((3, 9, 11), {"kernel": 2, "ceil_mode": True}, {"kernel": 2}),
    ((3, 8, 12), {"kernel": [2, 3], "stride": [2, 3]}, {"kernel": [2, 3], "stride": [2, 3]}),
    ((3, 8, 8), {"kernel": 2}, {"kernel": 2, "size": [9, 8]}),
    ((1, 5, 7, 6), {"kernel": 2}, {"kernel": 2, "size": "input"}),
    ((1, 6, 8, 4), {"kernel": 2}, {"kernel": 2}),
    ((2, 7, 7, 7), {"kernel": 3, "stride": 2, "padding": 1}, {"kernel": 3, "stride": 2, "padding": 1,
                                                            "size": [7, 7, 7]}),
]


@pytest.mark.parametrize("shape, pool, unpool", CASES, ids=[json.dumps(c, separators=(",", ":")) for c in CASES])
def test_the_pair_is_torch_s(shape, pool, unpool):
    from cnninspect.torch_backend.crosscheck import verify

    analysis = analyze(spec(shape, pool, unpool))
    x = torch.randn(2, *shape)
    y, i, z, flops = torch_pair(x, pool, unpool)
    pooled, unpooled = analysis.rows
    assert (pooled.output, unpooled.output) == (tuple(y.shape[1:]), tuple(z.shape[1:]))
    assert unpooled.type_name == f"MaxUnpool{len(shape) - 1}d" and unpooled.params == unpooled.macs == 0
    assert 2 * sum(r.macs for r in analysis.rows) * 2 == flops  # a batch of 2
    model = cnninspect.build(analysis.model)
    assert torch.equal(model(x), z)
    summary = summarize(analysis, batch=2)
    assert summary.output_bytes(pooled) == y.nbytes + i.nbytes and i.dtype == torch.int64
    assert summary.output_bytes(unpooled) == z.nbytes
    assert verify(analysis).ok


def test_a_size_out_of_torch_s_range_is_refused_by_both():
    from cnninspect.errors import InputError

    for size in (6, 10):  # 8 ± the stride 2, excluded
        with pytest.raises(InputError, match="out of torch's range"):
            analyze(spec((3, 8, 8), {"kernel": 2}, {"kernel": 2, "size": size}))
        with pytest.raises(ValueError, match="invalid output_size"):
            torch_pair(torch.randn(1, 3, 8, 8), {"kernel": 2}, {"kernel": 2, "size": size})


def test_indices_past_the_output_fail_in_torch_where_they_are_refused():
    """9 rows pooled by 2 leave 4, unpooled to 8: the last window's maximum at row 7, column 7 has index 70 of a
    9-wide plane, past 8 × 8. torch fails for such inputs; the spec is refused."""
    from cnninspect.errors import InputError

    with pytest.raises(InputError, match="writes indices up to 70"):
        analyze(spec((1, 9, 9), {"kernel": 2}, {"kernel": 2}))
    x = torch.arange(81.0).reshape(1, 1, 9, 9)  # every window's maximum at its last position
    with pytest.raises(RuntimeError, match="invalid max index"):
        torch_pair(x, {"kernel": 2}, {"kernel": 2})


RECEPTIVE = """
name: t
input: [1, 24]
layers:
  - maxpool: {kernel: 4, indices: true, name: p}
  - conv: {out: 1, kernel: 1, stride: 4, from: /input}
  - maxunpool: {kernel: 4, indices: p}
"""
OTHER_WINDOW = """
name: t
input: [1, 24]
layers:
  - maxpool: {kernel: 2, stride: 3, indices: true, name: p}
  - conv: {out: 1, kernel: 1, stride: 3, from: /input}
  - maxunpool: {kernel: 3, stride: 3, indices: p}
"""


def _moved(model, x) -> dict[int, set]:
    """Each output position: the input positions whose change (±10, one at a time) changes it."""
    reads: dict[int, set] = {o: set() for o in range(x.shape[-1])}
    base = model(x)
    for j in range(x.shape[-1]):
        for delta in (10.0, -10.0):
            moved = x.clone()
            moved[0, 0, j] += delta
            for o in torch.nonzero((model(moved) - base).abs()[0, 0] > 1e-6).flatten().tolist():
                reads[o].add(j)
    return reads


@pytest.mark.parametrize("text", [RECEPTIVE, OTHER_WINDOW], ids=["pool's windows", "the unpool's own differ"])
def test_the_receptive_field_holds_where_the_pool_found_its_maxima(text):
    """An output position depends on its values (here one input position each) and on where its pool found the
    maximum (the pool's window, whatever the unpool's own settings): moving any input of that window can move the
    output. torch, perturbed one input at a time from many inputs, against cnninspect's windows."""
    analysis = analyze(build_model(read_spec("t.yaml", text), "t"))
    footprint = analysis.rows[-1].footprint[0]
    torch.manual_seed(0)
    model = cnninspect.build(analysis.model).eval()
    reads: dict[int, set] = {o: set() for o in range(24)}
    with torch.no_grad():
        for trial in range(40):
            x = torch.randn(1, 1, 24)
            x[0, 0, trial % 4::4] += 5 * (trial < 4)  # the maxima at each position of k = 4 windows, then random
            for o, found in _moved(model, x).items():
                reads[o] |= found
    for o, found in reads.items():  # (windows that overlap would make duplicate indices: torch's writes race)
        window = footprint.window(o)
        assert window == ((min(found), max(found)) if found else None)  # None: no index points there
