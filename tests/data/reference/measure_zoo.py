"""Measures zoo-models.json (beside this file) from torchvision's own modules: the rest of the classification
families the zoo covers, in the same form as tutorial-models.json.

Run in a scratch venv (torchvision is never a dependency of cnninspect):
    python3 -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /tmp/tvenv/bin/python tests/data/reference/measure_zoo.py
"""

from __future__ import annotations

import json
import pathlib
import warnings

import torch
import torchvision
import torchvision.models as tvm
from torch.utils.flop_counter import FlopCounterMode

HERE = pathlib.Path(__file__).parent
MODELS = ["vgg11", "vgg13", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
          "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d", "wide_resnet50_2",
          "densenet121", "densenet169", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
          "squeezenet1_0", "squeezenet1_1", "shufflenet_v2_x1_0", "mnasnet1_0", "efficientnet_b0",
          "regnet_y_400mf", "convnext_tiny"]


def measure(name: str) -> dict:
    model = tvm.get_model(name, weights=None).eval()
    size = 224
    names = {m: n for n, m in model.named_modules()}
    calls = []

    def hook(module, inputs, output):
        calls.append({"name": names[module], "type": type(module).__name__, "input": list(inputs[0].shape),
                      "output": list(output.shape),
                      "params": sum(p.numel() for p in module.parameters(recurse=False))})

    for module in model.modules():
        if not list(module.children()):
            module.register_forward_hook(hook)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        output = model(torch.zeros(1, 3, size, size))
    return {
        "input": [1, 3, size, size],
        "output": list(output.shape),
        "params": sum(p.numel() for p in model.parameters()),
        "flop_counter_flops": counter.get_total_flops(),
        "macs_conv_linear": counter.get_total_flops() // 2,
        "layers_in_forward_order": calls,
        "state_dict": {k: list(v.shape) for k, v in model.state_dict().items()},
    }


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    document = {"torch": torch.__version__, "torchvision": torchvision.__version__,
                "conventions": "as tutorial-models.json: batch 1, eval mode, weights=None, 3x224x224",
                "models": {name: measure(name) for name in MODELS}}
    (HERE / "zoo-models.json").write_text(json.dumps(document, separators=(",", ":")))
    print(f"{len(document['models'])} models")
