"""examples/small_cnn.yaml written as PyTorch, to compare the spec with: `cnninspect verify examples/small_cnn.yaml
--against examples/small_cnn_reference.py:SmallCNN` (docs/verify.md). SmallCNNInplace is the same network with
the habits of torchvision's code: ReLU(inplace=True) and batch norm with eps=1e-3, momentum=0.01, which the spec
does not write (its numbers of parameters, shapes and MACs are the same: only the comparison of constructor
arguments and outputs sees it)."""

from torch import nn


class SmallCNN(nn.Module):
    def __init__(self, num_classes: int = 10, width: int = 16, relu_inplace: bool = False, bn: dict | None = None):
        super().__init__()
        widths = (3, width, width * 2, width * 4)
        for index in range(3):
            self.add_module(f"stage{index + 1}", nn.Sequential())
            stage = getattr(self, f"stage{index + 1}")
            stage.add_module("conv", nn.Conv2d(widths[index], widths[index + 1], 3, padding=1, bias=False))
            stage.add_module("bn", nn.BatchNorm2d(widths[index + 1], **(bn or {})))
            stage.add_module("relu", nn.ReLU(inplace=relu_inplace))
            stage.add_module("pool", nn.MaxPool2d(2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(widths[-1], num_classes)

    def forward(self, x):
        return self.fc(self.flatten(self.pool(self.stage3(self.stage2(self.stage1(x))))))


class SmallCNNInplace(SmallCNN):
    def __init__(self, num_classes: int = 10, width: int = 16):
        super().__init__(num_classes, width, relu_inplace=True, bn={"eps": 1e-3, "momentum": 0.01})
