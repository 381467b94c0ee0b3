"""The API's model serializer (core/api_serializers.py): every model serializer of the
API derives from it, and what it writes (with the small shapes written directly) is what
DRF's own serializers write, byte for byte, in every list and in a plan's full record,
in a time zone other than UTC."""

import contextlib
import inspect
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from rest_framework import serializers

import config.api_urls  # noqa: F401 - every API module, so that every serializer exists
from alliances.api.parties import PartySerializer, ProgramRefSerializer
from core import api_serializers
from plans.models import PlanStatus

from .test_collections import GROW


def model_serializers() -> list[type]:
    """Every `ModelSerializer` class of the project's own apps (a new app included)."""
    ours = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR)
        and ".venv" not in Path(config.path).parts
    }
    found, todo = [], [serializers.ModelSerializer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ours:
            found.append(cls)
    return found


def test_every_model_serializer_of_the_api_is_the_fast_one():
    classes = model_serializers()
    assert len(classes) >= 40
    slow = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in classes
        if api_serializers.ModelSerializer not in inspect.getmro(cls)
    ]
    assert slow == []


@contextlib.contextmanager
def drf_own():
    """DRF's own writing in place of ours, for the same request: its `ModelSerializer`, and
    its `Serializer` for the small shapes written directly."""
    drf = serializers.ModelSerializer
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            mock.patch.multiple(
                api_serializers.ModelSerializer,
                get_fields=drf.get_fields,
                to_representation=drf.to_representation,
                serializer_field_mapping=drf.serializer_field_mapping,
            )
        )
        for shape in (PartySerializer, ProgramRefSerializer):
            stack.enter_context(
                mock.patch.object(
                    shape, "to_representation", serializers.Serializer.to_representation
                )
            )
        yield


@pytest.fixture
def porto_novo(settings):
    settings.TIME_ZONE = "Africa/Porto-Novo"  # UTC+1: times are written with +01:00


@pytest.mark.parametrize("name", sorted(GROW))
def test_each_list_is_written_as_drf_writes_it(api, world, name, porto_novo):
    GROW[name](world, 3)
    client = api(world.officer)
    url = f"/api/v1/{name}/?page_size=200"
    fast = client.get(url)
    assert fast.status_code == 200
    assert fast.json()["count"] >= 3
    with drf_own():
        slow = client.get(url)
    assert fast.content == slow.content


def test_a_plan_record_is_written_as_drf_writes_it(api, world, porto_novo):
    plan = world.build(PlanStatus.ACTIVE)
    client = api(world.officer)
    url = f"/api/v1/plans/{plan.pk}/"
    fast = client.get(url)
    assert fast.status_code == 200
    assert "+01:00" in fast.content.decode()
    with drf_own():
        slow = client.get(url)
    assert fast.content == slow.content
