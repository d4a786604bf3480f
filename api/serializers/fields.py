"""Field types the API's serializers share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class IsoDateTimeField(serializers.DateTimeField):
    """A time as Python's ``isoformat()`` writes it (``+00:00``, not DRF's ``Z``): the form
    these endpoints have always answered with, so clients comparing strings see no change."""

    def to_representation(self, value: Any) -> str | None:
        return value.isoformat() if value else None


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A number read from stored JSON, answered as stored: an int stays an int (``FloatField``
    would turn ``3`` into ``3.0``), ``None`` stays null."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return value


def state_counts(name: str, states: Iterable[str], *, every_state: bool = True) -> type:
    """A serializer of ``{state: count}`` with one integer field per state, generated from the
    model's choices so that a new state is typed the day it is added. With ``every_state``
    false, states without rows are absent from the answer (a filtered count)."""
    fields = {state: serializers.IntegerField(required=every_state) for state in states}
    return type(name, (serializers.Serializer,), fields)


class OpenRecordSerializer(serializers.Serializer):
    """A typed view of a JSON record stored on a row. The declared keys are typed; a key a
    newer writer stored and this class does not declare yet is passed through unchanged rather
    than dropped, so the API never hides what the row holds. Absent keys stay absent."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False  # the writer may not have stored it yet
        return fields

    def to_representation(self, instance: Any) -> dict[str, Any]:
        record = instance or {}
        typed = super().to_representation(record)
        extra = {k: v for k, v in record.items() if k not in self.fields}
        return {**extra, **{k: v for k, v in typed.items() if k in record}}
