"""Activations: elementwise, no parameters but PReLU's slopes; one op per element (softmax and log_softmax: three,
an exp, a sum and a divide or a subtract)."""

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
mish = _elementwise("mish", "Mish", "x·tanh(softplus(x))")
selu = _elementwise("selu", "SELU", "scale·elu(x, alpha), the self-normalising constants")
softplus = _elementwise("softplus", "Softplus", "log(1 + e^(beta·x)) / beta, x itself past the threshold",
                        fields={"beta": Field("float", 1.0, "the sharpness"),
                                "threshold": Field("float", 20.0, "beta·x past it: linear")})
elu = _elementwise("elu", "ELU", "x, or alpha·(e^x − 1) below 0",
                   fields={"alpha": Field("float", 1.0, "the scale below 0"), **INPLACE})



@layer("celu", doc="x, or alpha·(e^(x/alpha) − 1) below 0 (CELU)",
       fields={"alpha": Field("float", 1.0, "the scale below 0 (not 0)"), **INPLACE})
def celu(p: Params, x: Shape) -> RuleOut:
    require(p.alpha != 0, "CELU's alpha cannot be 0 (torch divides by it)", param="alpha", alpha=p.alpha)
    return RuleOut(x, "CELU", ops=numel(x))


@layer("hardtanh", doc="x clamped to [min_val, max_val] (Hardtanh)",
       fields={"min_val": Field("float", -1.0, "the lower bound"),
               "max_val": Field("float", 1.0, "the upper bound, above min_val"), **INPLACE})
def hardtanh(p: Params, x: Shape) -> RuleOut:
    require(p.max_val > p.min_val, "Hardtanh's max_val must be greater than its min_val", param="max_val",
            min_val=p.min_val, max_val=p.max_val)
    return RuleOut(x, "Hardtanh", ops=numel(x))

@layer("prelu", doc="x, or a learned slope·x below 0 (PReLU): one slope, or one per channel.",
       fields={"num_parameters": Field("int", 1, "the slopes: 1, or the channels (dimension 1)", low=1),
               "init": Field("float", 0.25, "the slopes' initial value")})
def prelu(p: Params, x: Shape) -> RuleOut:
    require(p.num_parameters in (1, x[0]), "PReLU takes 1 slope or one per channel", param="num_parameters",
            num_parameters=p.num_parameters, channels=x[0])
    return RuleOut(x, "PReLU", params=p.num_parameters, ops=numel(x))


DIM = {"dim": Field("int", 1, "the dimension, counting the batch as 0 (negative counts from the end)")}


@layer("softmax", doc="Softmax along a dimension (PyTorch's numbering: 0 is the batch).", fields=DIM)
def softmax(p: Params, x: Shape) -> RuleOut:
    return _along(p, x, "softmax", "Softmax")


@layer("log_softmax", aliases=("logsoftmax",), doc="log(softmax) along a dimension (LogSoftmax), as softmax.",
       fields=DIM)
def log_softmax(p: Params, x: Shape) -> RuleOut:
    return _along(p, x, "log_softmax", "LogSoftmax")


def _along(p: Params, x: Shape, what: str, type_name: str) -> RuleOut:
    rank = len(x) + 1
    require(-rank <= p.dim < rank and p.dim % rank != 0, f"{what} dim must name a dimension other than the batch",
            dim=p.dim, input=show(x))
    return RuleOut(x, type_name, ops=3 * numel(x), spatial=MixAxis(p.dim % rank - 1))


KINDS = (relu, relu6, leaky_relu, gelu, silu, sigmoid, tanh, hardswish, hardsigmoid, mish, selu, softplus,
         elu, celu, hardtanh, prelu, softmax, log_softmax)
