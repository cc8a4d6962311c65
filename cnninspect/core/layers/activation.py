"""Activations: elementwise, no parameters; one op per element (softmax: three, an exp, a sum and a divide)."""

from __future__ import annotations

from cnninspect.core.layers.base import Field, LayerKind, MixAxis, Params, RuleOut, Shape, layer, numel, require, show

INPLACE = {"inplace": Field("bool", False, "overwrite the input (no effect on sizes)")}


def _elementwise(name: str, type_name: str, doc: str, fields=None, aliases=()) -> LayerKind:
    def rule(p: Params, x: Shape) -> RuleOut:
        return RuleOut(x, type_name, ops=numel(x))

    return layer(name, fields=fields if fields is not None else INPLACE, doc=doc, aliases=aliases)(rule)


relu = _elementwise("relu", "ReLU", "max(x, 0)")
relu6 = _elementwise("relu6", "ReLU6", "min(max(x, 0), 6)")
leaky_relu = _elementwise("leaky_relu", "LeakyReLU", "x, or negative_slope·x below 0", aliases=("leakyrelu",),
                          fields={"negative_slope": Field("float", 0.01, "slope below 0"), **INPLACE})
gelu = _elementwise("gelu", "GELU", "x·Φ(x)", fields={"approximate": Field("choice", "none", "tanh approximation",
                                                                          ("none", "tanh"))})
silu = _elementwise("silu", "SiLU", "x·sigmoid(x), also called swish", aliases=("swish",))
sigmoid = _elementwise("sigmoid", "Sigmoid", "1 / (1 + e^−x)", fields={})
tanh = _elementwise("tanh", "Tanh", "tanh(x)", fields={})
hardswish = _elementwise("hardswish", "Hardswish", "x·relu6(x + 3)/6", aliases=("hard_swish",))
hardsigmoid = _elementwise("hardsigmoid", "Hardsigmoid", "relu6(x + 3)/6", aliases=("hard_sigmoid",))


@layer("softmax", doc="Softmax along a dimension (PyTorch's numbering: 0 is the batch).",
       fields={"dim": Field("int", 1, "the dimension, counting the batch as 0 (negative counts from the end)")})
def softmax(p: Params, x: Shape) -> RuleOut:
    rank = len(x) + 1
    require(-rank <= p.dim < rank and p.dim % rank != 0, "softmax dim must name a dimension other than the batch",
            dim=p.dim, input=show(x))
    return RuleOut(x, "Softmax", ops=3 * numel(x), spatial=MixAxis(p.dim % rank - 1))


KINDS = (relu, relu6, leaky_relu, gelu, silu, sigmoid, tanh, hardswish, hardsigmoid, softmax)
