"""Value chains and products are named in English, French and Spanish
(alliances/translation.py): pages, the API, reports and the dashboard show the reader's
language, English when that one is empty."""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from alliances.models import Product
from core.translated import translated
from plans.models import PlanStatus

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]


@pytest.fixture
def named(world):
    """World's product and value chain with a French name and no Spanish one."""
    chain = world.product.value_chain
    chain.name_en, chain.name_fr, chain.name_es = "Maize", "Maïs", None
    chain.save()
    product = world.product
    product.name_en, product.name_fr, product.name_es = "Grain maize", "Maïs grain", ""
    product.save()
    return world.build(PlanStatus.ACTIVE)


def page(client, user, url, language) -> str:
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_french_reader_sees_the_french_names(client, world, named):
    plans = page(client, world.officer, reverse("plan-list"), "fr")
    assert "<td>Maïs</td>" in plans
    agreement = page(client, world.producer, reverse("plan-agreement", args=[named.pk]), "fr")
    assert "<dd>Maïs grain</dd>" in agreement
    agreements = page(client, world.officer, reverse("agreement-list"), "fr")
    assert "Maïs grain" in agreements and "Grain maize" not in agreements


def test_an_empty_translation_falls_back_to_english(client, world, named):
    plans = page(client, world.officer, reverse("plan-list"), "es")
    assert "<td>Maize</td>" in plans  # name_es is NULL
    agreement = page(client, world.producer, reverse("plan-agreement", args=[named.pk]), "es")
    assert "<dd>Grain maize</dd>" in agreement  # name_es is ""
    with translation.override("es"):
        assert (str(world.product), world.product.value_chain.name) == ("Grain maize (kg)", "Maize")


def test_queries_over_other_models_read_the_same_words(world, named):
    # `translated` for .values() on models that modeltranslation does not rewrite.
    alliances = named.alliance._meta.model.objects.filter(pk=named.alliance_id)
    for language, chain, product in [
        ("en", "Maize", "Grain maize"),
        ("fr", "Maïs", "Maïs grain"),
        ("es", "Maize", "Grain maize"),
    ]:
        with translation.override(language):
            row = alliances.values(
                chain_name=translated("value_chain__name"),
                product_name=translated("product__name"),
            ).get()
        assert row == {"chain_name": chain, "product_name": product}


def test_the_api_returns_name_in_the_readers_language(client, world, named):
    client.force_login(world.producer)
    said = {}
    for language in ("en", "fr", "es"):
        response = client.get(
            f"/api/v1/alliances/{named.alliance_id}/", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert "name_fr" not in body["product"]
        said[language] = (body["value_chain"]["name"], body["product"]["name"])
    assert said == {
        "en": ("Maize", "Grain maize"),
        "fr": ("Maïs", "Maïs grain"),
        "es": ("Maize", "Grain maize"),
    }


def test_the_admin_edits_the_three_names_side_by_side(admin_client, world, named):
    chain = world.product.value_chain
    for url in (
        reverse("admin:alliances_valuechain_change", args=[chain.pk]),
        reverse("admin:alliances_product_change", args=[world.product.pk]),
    ):
        content = admin_client.get(url).content.decode()
        assert 'class="form-row field-name_en field-name_fr field-name_es"' in content, url
        assert 'name="name"' not in content  # no fourth, language-less name
    # The value chain's products, inline: one column per language.
    content = admin_client.get(
        reverse("admin:alliances_valuechain_change", args=[chain.pk])
    ).content.decode()
    assert [
        c for c in ("name_en", "name_fr", "name_es") if f'name="products-0-{c}"' in content
    ] == [
        "name_en",
        "name_fr",
        "name_es",
    ]

    url = reverse("admin:alliances_product_change", args=[world.product.pk])
    data = {
        "value_chain": chain.pk,
        "name_en": "Grain maize",
        "name_fr": "",
        "name_es": "Maíz en grano",
        "unit": "kg",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get(pk=world.product.pk)
    assert (product.name_en, product.name_fr, product.name_es) == (
        "Grain maize",
        None,
        "Maíz en grano",
    )
    response = admin_client.post(url, data | {"name_en": ""})
    assert list(response.context["adminform"].form.errors) == ["name_en"]
