"""One layer, analysed by cnninspect and run as the real torch module the test names: they must agree.

`agree(layer, input, reference)` analyses a one-layer spec and runs `reference` (a torch module the test builds
itself, never cnninspect's builder) on a random input, then compares the class, the output shape, the parameters,
the buffers, the MACs (FlopCounterMode / 2) and the state_dict (keys and shapes); and cnninspect.build of the
spec, given the reference's weights (strictly), computes the reference's output. `refused(layer, input)` gives
cnninspect's refusal, or None.
"""

from __future__ import annotations

import json
import warnings

from cnninspect.core.engine import Analysis, analyze
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec


def spec(layers: list, shape: tuple[int, ...]) -> dict:
    return {"name": "kinds", "input": list(shape), "layers": layers}


def analyse(layers: list, shape: tuple[int, ...]) -> Analysis:
    return analyze(build_model(read_spec("kinds.json", json.dumps(spec(layers, shape))), "kinds"))


def refused(layer, shape: tuple[int, ...]) -> str | None:
    try:
        analyse([layer], shape)
    except InputError as error:
        return str(error)
    return None


def torch_runs(reference, shape: tuple[int, ...]):
    """The reference's output on a random input, or None where torch refuses (or makes an empty tensor)."""
    import torch

    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            module = reference() if not isinstance(reference, torch.nn.Module) else reference
            y = module.eval()(torch.randn(1, *shape))
    except (RuntimeError, ValueError, IndexError, ZeroDivisionError):  # how torch's modules say no
        return None
    return None if y.numel() == 0 else y


def agree(layer, shape: tuple[int, ...], reference, *, exact_values: bool = True) -> None:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    import cnninspect

    (row,) = analyse([layer], shape).rows
    torch.manual_seed(0)
    x = torch.randn(1, *shape, dtype=torch.float64)
    reference = reference.double().eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        expected = reference(x)
    name = getattr(reference, "type_name", type(reference).__name__)
    params = sum(p.numel() for p in reference.parameters())
    state = {key: tuple(value.shape) for key, value in reference.state_dict().items()}
    assert (row.type_name, (1, *row.output)) == (name, tuple(expected.shape))
    assert (row.params, row.buffers) == (params, sum(state_numel(state)) - params)
    assert 2 * row.macs == counter.get_total_flops()

    built = cnninspect.build(build_model(read_spec("kinds.json", json.dumps(spec([layer], shape))), "kinds"))
    built_state = {key: tuple(value.shape) for key, value in built.state_dict().items()}
    assert built_state == {f"0.{key}": value for key, value in state.items()}
    built.double().eval().load_state_dict({f"0.{k}": v for k, v in reference.state_dict().items()}, strict=True)
    with torch.no_grad():
        got = built(x)
    if exact_values:
        torch.testing.assert_close(got, expected, rtol=0, atol=0)
    else:
        torch.testing.assert_close(got, expected)


def state_numel(state: dict) -> list[int]:
    import math

    return [math.prod(shape) for shape in state.values()]
