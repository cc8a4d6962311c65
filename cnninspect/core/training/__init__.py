"""Training: the memory and compute of a training step, and the batch that fits (docs/training.md).

Torch-free: saved.py holds one rule per layer kind for what autograd saves; step.py walks the program with them
and counts backward MACs; memory.py adds parameters, gradients and optimizer state, finds the peak and the
largest batch under a budget; fitsize.py the largest input size of a range.
"""

from cnninspect.core.training.fitsize import SizeFit, SizeRange, fit_size
from cnninspect.core.training.memory import (DEVICES, MIXED, OPTIMIZERS, Peak, TrainConfig, Training, fit,
                                             train)
from cnninspect.core.training.saved import SAVES
from cnninspect.core.training.step import LayerStep

__all__ = ["DEVICES", "MIXED", "OPTIMIZERS", "SAVES", "LayerStep", "Peak", "SizeFit", "SizeRange", "TrainConfig",
           "Training", "fit", "fit_size", "train"]
