"""x times a fixed number (x * 0.2): NFNet's scaled activations and residual branches, Inception-ResNet's residual
scale. A function, not a module: no parameters; one multiply per element."""

from __future__ import annotations

from cnninspect.core.layers.base import Field, Params, RuleOut, Shape, layer, numel


@layer("scale", doc="x times a fixed number (x * factor, a Python number in the forward: NFNet's alpha and beta, "
                    "Inception-ResNet's residual scale); no parameters.",
       fields={"factor": Field("float", doc="the number")})
def scale(p: Params, x: Shape) -> RuleOut:
    return RuleOut(x, "mul", ops=numel(x))


KINDS = (scale,)
