"""The API's model serializer: DRF's `ModelSerializer`, made faster (issue 17), field for
field the same. Every model serializer of the API derives from this one
(tests/api/test_serializers.py checks it).

A list of 50 rows paid, on top of reading its rows, three costs that do not depend on
the data:
- **Building the fields.** DRF builds a model serializer's fields afresh for every
  serializer, reading the model's metadata, its validators and its verbose names: a
  third of the time of writing 50 agreements. Here the result of that reading (each
  field's class and arguments) is kept per serializer class, and each serializer makes
  its own fields from it, as DRF's deep copy of declared fields does.
- **Reading each attribute.** DRF reads every field through `get_attribute`, made for
  dotted sources, dictionaries, callables and missing objects. A field whose source is a
  plain column of the serializer's model is read with `getattr`, which is what that
  comes to; every other field (dotted, method, related, annotated) goes DRF's own way.
- **Dates and times.** DRF looks up the current time zone for every value. Here it is
  looked up once per field: the fields of a serializer live for one answer.

The output is DRF's: the same fields, in the same order, through the same
`to_representation` of each field. tests/api/test_serializers.py compares every list and a
plan's record, byte for byte, with DRF's own writing.
"""

from __future__ import annotations

import copy
from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField

_UNSET = object()


class DateTimeField(serializers.DateTimeField):
    """DRF's date and time field, looking up the current time zone once."""

    def default_timezone(self):
        zone = self.__dict__.get("_zone", _UNSET)
        if zone is _UNSET:
            zone = self.__dict__["_zone"] = super().default_timezone()
        return zone


class ModelSerializer(serializers.ModelSerializer):
    """DRF's `ModelSerializer`, faster (see the module's docstring)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }

    def get_fields(self):
        made = type(self).__dict__.get("_field_recipe")
        if made is None:
            fields = super().get_fields()
            # None for a declared field (copied from the class, as DRF does), else how
            # DRF built it from the model.
            type(self)._field_recipe = [
                (name, None if name in self._declared_fields else (type(f), f._args, f._kwargs))
                for name, f in fields.items()
            ]
            return fields
        declared = copy.deepcopy(self._declared_fields)
        return {
            name: declared[name] if how is None else how[0](*how[1], **how[2]) for name, how in made
        }

    def to_representation(self, instance):
        readers = self.__dict__.get("_readers")
        if readers is None:
            readers = self.__dict__["_readers"] = self._make_readers()
        if not isinstance(instance, self.Meta.model):
            return super().to_representation(instance)
        answer = {}
        for name, column, write, field in readers:
            if column is not None:
                value = column(instance)
            else:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject) and value.pk is None:
                    answer[name] = None
                    continue
            answer[name] = None if value is None else write(value)
        return answer

    def _make_readers(self) -> list[tuple]:
        """(name, column getter or None, writer, field) for each readable field, in order."""
        readers = []
        for field in self._readable_fields:
            column, raw = self._column(field)
            write = _same if raw else field.to_representation
            readers.append((field.field_name, column, write, field))
        return readers

    def _column(self, field) -> tuple:
        """(getter, whether the value is written as read) for a field whose source is one
        column of the model: a plain value, which DRF reads with `getattr`, or the id of
        a related record, which DRF's primary key field writes as it is. (None, False)
        for any other field."""
        if len(field.source_attrs) != 1:
            return None, False
        try:
            column = self.Meta.model._meta.get_field(field.source_attrs[0])
        except FieldDoesNotExist:
            return None, False
        if not column.concrete:
            return None, False
        plain = type(field).get_attribute is drf_fields.Field.get_attribute
        if plain and (not column.is_relation or field.source_attrs[0] == column.attname):
            return attrgetter(field.source_attrs[0]), False
        if (
            type(field) is PrimaryKeyRelatedField
            and field.pk_field is None
            and column.many_to_one
            and field.source_attrs[0] == column.name
        ):
            return attrgetter(column.attname), True
        return None, False


def _same(value):
    return value
