"""Reference modules the tests compare specs with (the role torchvision plays for the zoo), written with
torchvision's habits: batch norm with eps=1e-3, momentum=0.01 (EfficientNet-B5's), ReLU(inplace=True) (ResNet's)."""

import torch
from torch import nn


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


class Block(nn.Module):
    """ResNet's BasicBlock: two 3x3 convolutions, a projection shortcut where the shape changes."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = _bn(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = _bn(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), _bn(planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class SmallNet(nn.Module):
    """A stem, two residual stages (the second 24 wide: RegNet-style quantized widths are easy to get wrong), a
    classifier."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 2, 1, bias=False)
        self.bn1 = _bn(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = Block(16, 16)
        self.layer2 = Block(16, 24, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(24, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer2(self.layer1(self.relu(self.bn1(self.conv1(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def small_net() -> SmallNet:
    """A factory, as torchvision's resnet18() is."""
    return SmallNet()


def not_a_module() -> int:
    return 7
