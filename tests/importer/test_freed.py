"""An import lets go of the module it read: once the caller drops it, its weights are freed at once, not at the
next full collection of cyclic garbage (which, over many imports in one process, held gigabytes)."""

from __future__ import annotations

import gc
import weakref

import pytest

from tests.torch_oracle import MISSING

pytestmark = pytest.mark.torch


@pytest.fixture(autouse=True)
def _needs_torch():
    if MISSING:
        pytest.skip(MISSING)


@pytest.mark.parametrize("on_meta", [False, True], ids=["with weights", "built on meta"])
def test_the_modules_weights_die_with_the_last_reference(on_meta):
    import torch
    from torch import nn

    from cnninspect.torch_backend.importer import import_module

    with torch.device("meta" if on_meta else "cpu"):
        module = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
    result = import_module(module, (3, 8, 8), name="net", source="test")
    assert "linear" in result.text
    weight = weakref.ref(module[0].weight)  # on meta: the CPU zeros the import ran on
    enabled = gc.isenabled()
    gc.disable()  # only reference counts may free it
    try:
        del module, result
        assert weight() is None
    finally:
        if enabled:
            gc.enable()
