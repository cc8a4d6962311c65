"""Torch as the oracle: run the real operator on a tiny tensor and report its output size, or None if refused.

Without the torch extra this module still imports (it never imports torch at the top): a test that calls the
oracle is skipped there, with the reason, and so is every test marked `torch` (tests/conftest.py) and every module
that skips itself on `MISSING` before its own `import torch` (tests/torch/). The torch-free tests run as ever.
"""

from __future__ import annotations

import importlib.util
import warnings

import pytest

from cnninspect.core.window import Kind

EXTRA = ("torch", "torchinfo")  # what the torch extra brings that the tests import (numpy comes with torch)


def _missing() -> str | None:
    """Why the torch tests cannot run here, or None. Found without importing torch (that takes a second)."""
    for name in EXTRA:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # ValueError: sys.modules[name] is None, i.e. blocked on purpose
            found = False
        if not found:
            return f"needs {name}, which is not installed (the torch extra: pip install 'cnninspect[torch]')"
    return None


MISSING = _missing()


def _torch():
    """torch and torch.nn.functional; without them the calling test is skipped, with the reason."""
    if MISSING:
        pytest.skip(MISSING)
    import torch
    import torch.nn.functional as F

    return torch, F


def torch_output(kind: Kind, n, kernel, stride, padding, dilation=(1,), output_padding=(0,), ceil_mode=False):
    """The spatial output size torch computes, or None when torch raises. Per-axis tuples throughout."""
    torch, F = _torch()
    ndim = len(n)
    dilation, output_padding = dilation * (ndim // len(dilation)), output_padding * (ndim // len(output_padding))
    x = torch.zeros(1, 1, *n)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind is Kind.CONV:
                y = getattr(F, f"conv{ndim}d")(x, torch.zeros(1, 1, *kernel), stride=stride, padding=padding, dilation=dilation)
            elif kind is Kind.TRANSPOSED:
                y = getattr(F, f"conv_transpose{ndim}d")(x, torch.zeros(1, 1, *kernel), stride=stride, padding=padding,
                                     output_padding=output_padding, dilation=dilation)
            elif kind is Kind.MAXPOOL:
                y = getattr(F, f"max_pool{ndim}d")(x, kernel, stride, padding, dilation, ceil_mode=ceil_mode)
            else:
                y = getattr(F, f"avg_pool{ndim}d")(x, kernel, stride, padding, ceil_mode=ceil_mode)
    except (RuntimeError, ValueError):
        return None
    return tuple(y.shape[2:])


def reads(windows, n: int):
    """For a 1-D chain of windowed layers, which input positions each output position depends on.

    Returns, per output position, the hull (lo, hi) of the input positions it depends on (None if none) and
    whether it touches padding anywhere in the chain. Dependencies are the nonzero entries of the Jacobian,
    with all weights 1 so nothing cancels. Each layer's padding is made explicit (F.pad, then an unpadded
    op; a transposed conv as zeros stuffed between the inputs, explicit padding and a plain conv), which lets
    a second run pad with ones instead of zeros to see which positions touch padding. The output sizes are
    torch's own: the real operator runs first on each layer's input, and the explicit form must agree.
    """
    torch, _ = _torch()
    x = torch.ones(1, 1, n, dtype=torch.float64)
    touches_padding = _forward(windows, torch.zeros_like(x), 1.0).flatten() != 0
    result = []
    for row, touched in zip(jacobian(windows, n), touches_padding.tolist()):
        nonzero = row.nonzero().flatten().tolist()
        result.append(((nonzero[0], nonzero[-1]) if nonzero else None, touched))
    return result


def read_positions(windows, n: int) -> list[int]:
    """The input positions that some output position depends on."""
    return (jacobian(windows, n) != 0).any(dim=0).nonzero().flatten().tolist()


def jacobian(windows, n: int):
    """d output / d input, one row per output position."""
    torch, _ = _torch()
    x = torch.ones(1, 1, n, dtype=torch.float64)
    return torch.autograd.functional.jacobian(lambda t: _forward(windows, t, 0.0), x).reshape(-1, n)


def _forward(windows, x, pad_value):
    torch, F = _torch()
    for window in windows:
        (k,), (s,), (d,) = window.kernel, window.stride, window.dilation
        if window.kind is Kind.TRANSPOSED:
            x = _explicit_transposed(x, window, pad_value)
            continue
        (axis,) = window.axes()
        (out,) = torch_output(window.kind, tuple(x.shape[2:]), window.kernel, window.stride, window.padding,
                              window.dilation, window.output_padding, window.ceil_mode)
        needed = (out - 1) * s + d * (k - 1) + 1  # the padded length the windows actually cover
        x = F.pad(x, (axis.pad_left, max(needed - x.shape[-1] - axis.pad_left, 0)), value=pad_value)
        x = F.conv1d(x[..., :needed], torch.ones(1, 1, k, dtype=x.dtype), stride=s, dilation=d)
    return x


def _explicit_transposed(x, window, pad_value):
    """conv_transpose1d as torch defines it: stride-1 zeros between inputs, d·(f − 1) − p padding, a conv."""
    torch, F = _torch()
    (k,), (s,), (d,), (p,), (op,) = window.kernel, window.stride, window.dilation, window.padding, window.output_padding
    n = x.shape[-1]
    stuffed = torch.zeros(1, 1, (n - 1) * s + 1, dtype=x.dtype)
    stuffed[..., ::s] = x
    edge = d * (k - 1) - p
    stuffed = F.pad(stuffed, (max(edge, 0), max(edge + op, 0)), value=pad_value)
    stuffed = stuffed[..., max(-edge, 0): stuffed.shape[-1] - max(-edge - op, 0)]
    y = F.conv1d(stuffed, torch.ones(1, 1, k, dtype=x.dtype), dilation=d)
    expected = F.conv_transpose1d(x.detach(), torch.ones(1, 1, k, dtype=x.dtype), stride=s, padding=p,
                                  output_padding=op, dilation=d)
    assert y.shape == expected.shape
    return y
