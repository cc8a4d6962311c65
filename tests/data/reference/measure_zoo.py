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
TUTORIAL = ("alexnet", "vgg16", "googlenet", "inception_v3", "resnet18")  # tutorial-models.json has them
NOT_CNNS = ("vit_", "swin_", "maxvit_")
MODELS = [name for name in tvm.list_models(module=tvm) if name not in TUTORIAL and not name.startswith(NOT_CNNS)]
# the eval crop of each model's weights (the zoo spec's input); 224 where not listed
SIZES = {"efficientnet_b1": 240, "efficientnet_b2": 288, "efficientnet_b3": 300, "efficientnet_b4": 380,
         "efficientnet_b5": 456, "efficientnet_b6": 528, "efficientnet_b7": 600, "efficientnet_v2_s": 384,
         "efficientnet_v2_m": 480, "efficientnet_v2_l": 480}


def measure(name: str) -> dict:
    """On the meta device: shapes, parameters and FlopCounterMode's counts need no numbers."""
    try:
        with torch.device("meta"):
            model = tvm.get_model(name, weights=None).eval()
    except NotImplementedError:  # RegNet computes its widths from tensors at construction: build it, then move it
        model = tvm.get_model(name, weights=None).eval().to("meta")
    size = SIZES.get(name, 224)
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
        output = model(torch.zeros(1, 3, size, size, device="meta"))
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
                "conventions": "as tutorial-models.json: batch 1, eval mode, weights=None, 3 x the eval crop "
                                  "(SIZES), on the meta device",
                "models": {name: measure(name) for name in MODELS}}
    (HERE / "zoo-models.json").write_text(json.dumps(document, separators=(",", ":")))
    print(f"{len(document['models'])} models")
