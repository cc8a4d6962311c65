"""Every convolution and max pool of the tutorial's torchvision models, as torchvision measured them.

tests/data/reference/tutorial-models.json was measured from torchvision 0.29.1's own modules (its README
and measure.py say how). LeNet-5's pools and Inception's average pools are functional calls and do not
appear there; the property tests against torch cover their arithmetic.
"""

from __future__ import annotations

import json
import pathlib

import pytest

from cnninspect.core.window import Kind, make_window

REFERENCE = pathlib.Path(__file__).parent.parent / "data" / "reference" / "tutorial-models.json"
KINDS = {"Conv2d": Kind.CONV, "MaxPool2d": Kind.MAXPOOL}


def windowed_layers():
    models = json.loads(REFERENCE.read_text())["models"]
    for model, data in models.items():
        for layer in data["layers_in_forward_order"]:
            if layer["type"] in KINDS:
                yield pytest.param(layer, id=f"{model}:{layer['name']}")


def per_axis(value):
    return tuple(value) if isinstance(value, list) else value


@pytest.mark.parametrize("layer", list(windowed_layers()))
def test_output_size_equals_torchvisions(layer):
    hyper = layer["hyper"]
    window = make_window(KINDS[layer["type"]], per_axis(hyper["kernel_size"]), per_axis(hyper["stride"]),
                         per_axis(hyper["padding"]), per_axis(hyper["dilation"]),
                         ceil_mode=hyper.get("ceil_mode", False), ndim=2)
    assert window.output(tuple(layer["input"][2:])) == tuple(layer["output"][2:])


def test_the_reference_has_the_tutorials_ceil_mode_pools():
    ceil_pools = [p for p in windowed_layers() if p.values[0]["hyper"].get("ceil_mode")]
    assert len(ceil_pools) >= 8  # GoogLeNet's maxpool1-4, with and without aux heads
