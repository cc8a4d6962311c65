"""One registry of field types (core/fields.py): every field of every layer kind has a registered type, and the
three readers of a field's type (the spec's literal check, the evaluation, the schema) take it from there."""

from __future__ import annotations

import pytest

from cnninspect.core.fields import FIELD_TYPES, schema_of, value_of
from cnninspect.core.layers.base import Field
from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.errors import InputError
from cnninspect.spec import schema, values
from cnninspect.spec.source import LocatedList
from cnninspect.core.graph import Loc

KINDS = sorted({kind.name: kind for kind in BY_NAME.values()}.items())


@pytest.mark.parametrize("name,kind", KINDS)
def test_every_field_of_every_kind_has_a_registered_type(name, kind):
    for field_name, field in kind.fields.items():
        assert field.type in FIELD_TYPES, f"{name}.{field_name}: type {field.type!r} is not in FIELD_TYPES"


def test_the_schema_of_a_field_comes_from_the_registry():
    for kind in BY_NAME.values():
        body = schema._fields(kind)
        body = body["anyOf"][0] if "anyOf" in body else body
        for field_name, field in kind.fields.items():
            expected = {**schema_of(field), "description": field.doc}
            assert body["properties"][field_name] == expected


@pytest.mark.parametrize("type_name", sorted(FIELD_TYPES))
def test_a_wrong_literal_is_refused_with_what_the_type_expects(type_name):
    field = Field(type_name, choices=("a", "b"))
    wrong = {"choice": "c", "float": True}.get(type_name, {"k": 1})
    with pytest.raises(InputError) as caught:
        values.field_form(field, wrong, Loc("net.yaml", 3, 5), "f")
    assert str(caught.value).startswith("net.yaml:3:5: 'f' must be")
    if FIELD_TYPES[type_name].expected:
        assert FIELD_TYPES[type_name].expected in str(caught.value)


@pytest.mark.parametrize("type_name,most", [(t.name, t.most) for t in FIELD_TYPES.values() if t.most])
def test_a_list_field_takes_at_most_its_registered_length(type_name, most):
    field = Field(type_name)
    loc = Loc("net.yaml", 1, 1)
    assert values.field_form(field, LocatedList([1] * most), loc, "f") == (1,) * most
    with pytest.raises(InputError, match=f"1 to {most}"):
        values.field_form(field, LocatedList([1] * (most + 1)), loc, "f")


def test_an_expression_is_evaluated_then_checked_by_its_type():
    assert value_of(Field("int", low=1), "c // 2", {"c": 8}, "out") == 4
    assert value_of(Field("padding"), " SAME ", {}, "padding") == "same"
    with pytest.raises(InputError, match="'out' must be > 0. Received out=0"):
        value_of(Field("int", low=1), "c - 8", {"c": 8}, "out")
    with pytest.raises(InputError, match="must be true or false"):
        value_of(Field("bool"), "c", {"c": 8}, "bias")
