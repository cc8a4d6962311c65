"""FlopCounterMode's count of a module call, from torch's own formulas (torch.utils.flop_counter's
conv_flop_count and mm_flop) applied to the shapes the call took and gave.

Why not FlopCounterMode itself: any Python dispatch mode imports torch._dynamo on first use, seconds that the
import of a model would spend for nothing. The importer's ops hold no other FLOPs than its convolutions' and
linear layers' (every other op it accepts is one FlopCounterMode does not count), so the sum over module calls
is FlopCounterMode's total; the tests compare it with FlopCounterMode itself.
"""

from __future__ import annotations

import math

from torch import nn
from torch.utils.flop_counter import conv_flop_count, mm_flop


def module_flops(module: nn.Module, x_shape, out_shape) -> int:
    """The FLOPs FlopCounterMode counts for one call of `module` (0 for a module without convolution or matmul)."""
    if isinstance(module, nn.modules.conv._ConvNd):
        transposed = isinstance(module, nn.modules.conv._ConvTransposeNd)
        return conv_flop_count(list(x_shape), list(module.weight.shape), list(out_shape), transposed)
    if isinstance(module, nn.Linear):
        rows = math.prod(x_shape[:-1])
        return mm_flop((rows, module.in_features), (module.in_features, module.out_features))
    if f"{type(module).__module__}.{type(module).__qualname__}" in _BLUR:  # a depthwise conv by its filter
        channels = module.channels or x_shape[1]
        return conv_flop_count(list(x_shape), [channels, 1, module.filt_size, module.filt_size], list(out_shape))
    return 0


_BLUR = ("timm.layers.blur_pool.BlurPool2d", "cnninspect.torch_backend.modules.BlurPool2d")
