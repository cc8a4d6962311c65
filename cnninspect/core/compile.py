"""A model compiled once, when its spec is read: everything that needs no input is done before any analysis.

Each layer's fields are planned (core/evaluate.py: its literals checked and laid out in order, the Params of an
all-literal layer made once), and every expression of the spec (fields, conditions, repeat counts, block and
model arguments, lets, {names}) is parsed and compiled into closures (core/expr.py). A walk then only evaluates
what depends on its arguments and its input. An expression that cannot be compiled is left for the walk, which
refuses it where it is evaluated and says where it is: a branch that never runs never refuses.
"""

from __future__ import annotations

import re

from cnninspect.core.evaluate import Let, plan_fields
from cnninspect.core.expr import ExprError, compile_expression
from cnninspect.core.graph import AuxNode, CallNode, LayerNode, MergeNode, Model, Node, RepeatNode, SeqNode
from cnninspect.core.layers.catalog import BY_NAME

_TEMPLATE = re.compile(r"\{([^{}]*)\}")


def compile_model(model: Model) -> Model:
    """Compile `model`'s spec (see the module's docstring); returns the model, for chaining."""
    for default in model.args.values():
        _value(default)
    for block in model.blocks.values():
        for default in block.params.values():
            _value(default)
        _node(block.body)
    _node(model.body)
    return model


def _node(node: Node) -> None:
    common = node.common
    _value(common.when)
    for text in (common.name, common.source, getattr(node, "path", None)):
        if isinstance(text, str) and "{" in text:
            for part in _TEMPLATE.findall(text):
                _expression(part)
    kind = type(node)
    if kind is LayerNode:
        plan_fields(BY_NAME[node.kind], node.fields)
        for value in node.fields.values():
            _value(value)
    elif kind is SeqNode:
        for child in node.children:
            _node(child)
    elif kind is MergeNode:
        for branch in node.branches:
            _node(branch)
    elif kind is RepeatNode:
        _value(node.times)
        _node(node.body)
    elif kind is CallNode:
        for value in node.args.values():
            _value(value)
    elif kind is AuxNode:
        _node(node.body)


def _value(value) -> None:
    if type(value) is Let:
        value = value.value
    if isinstance(value, str):
        _expression(value)
    elif type(value) is tuple:
        for item in value:
            _value(item)


def _expression(text: str) -> None:
    if text.strip().lower() in ("same", "valid"):
        return
    try:
        compile_expression(text)
    except ExprError:
        pass  # refused by the walk, where (and if) it is evaluated, with its place
