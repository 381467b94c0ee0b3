"""Value chain and product names get an English, French and Spanish column
(django-modeltranslation, alliances/translation.py). What the single columns held goes
to the English ones; the demo's value chains and products, which had one bilingual name
("Maïs / Maize"), also get their English, French and Spanish names (demo/data.py)."""

from django.db import migrations, models
from django.db.models import F

# The demo's names before this migration, by value chain code -> (English, French, Spanish).
DEMO_CHAINS = {
    ("MAIZE", "Maïs / Maize"): ("Maize", "Maïs", "Maíz"),
    ("RICE", "Riz / Rice"): ("Rice", "Riz", "Arroz"),
    ("CASSAVA", "Manioc / Cassava"): ("Cassava", "Manioc", "Yuca"),
    ("COFFEE", "Café / Coffee"): ("Coffee", "Café", "Café"),
    ("FRUIT", "Frutas / Fruit"): ("Fruit", "Fruits", "Frutas"),
}
DEMO_PRODUCTS = {
    ("MAIZE", "Maïs grain"): ("Grain maize", "Maïs grain", "Maíz en grano"),
    ("RICE", "Riz paddy"): ("Paddy rice", "Riz paddy", "Arroz paddy"),
    ("CASSAVA", "Gari"): ("Gari", "Gari", "Gari"),
    ("COFFEE", "Café pergamino seco"): (
        "Dry parchment coffee",
        "Café parche sec",
        "Café pergamino seco",
    ),
    ("FRUIT", "Aguacate Hass"): ("Hass avocado", "Avocat Hass", "Aguacate Hass"),
    ("FRUIT", "Mora de Castilla"): ("Andean blackberry", "Mûre des Andes", "Mora de Castilla"),
}


def to_language_columns(apps, schema_editor):
    ValueChain = apps.get_model("alliances", "ValueChain")
    Product = apps.get_model("alliances", "Product")
    ValueChain.objects.update(name_en=F("name"))
    Product.objects.update(name_en=F("name"))
    for chain in ValueChain.objects.all():
        names = DEMO_CHAINS.get((chain.code, chain.name))
        if names is not None:
            chain.name_en, chain.name_fr, chain.name_es = names
            chain.name = chain.name_en  # the single column as a save in English writes it
            chain.save(update_fields=["name", "name_en", "name_fr", "name_es"])
    for product in Product.objects.select_related("value_chain"):
        names = DEMO_PRODUCTS.get((product.value_chain.code, product.name))
        if names is not None:
            product.name_en, product.name_fr, product.name_es = names
            product.name = product.name_en  # the single column as a save in English writes it
            product.save(update_fields=["name", "name_en", "name_fr", "name_es"])
    _check_foreign_keys_now(schema_editor)


def to_single_columns(apps, schema_editor):
    ValueChain = apps.get_model("alliances", "ValueChain")
    Product = apps.get_model("alliances", "Product")
    for model in (ValueChain, Product):
        model.objects.exclude(name_en=None).exclude(name_en="").update(name=F("name_en"))
    _check_foreign_keys_now(schema_editor)


def _check_foreign_keys_now(schema_editor):
    # The updates queued deferred foreign-key checks (products are referenced by
    # alliances and agreements); PostgreSQL alters no table with checks pending.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0004_verbose_names_of_actors'),
    ]

    operations = [
        migrations.AddField(
            model_name='product',
            name='name_en',
            field=models.CharField(max_length=120, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='product',
            name='name_es',
            field=models.CharField(max_length=120, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='product',
            name='name_fr',
            field=models.CharField(max_length=120, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='valuechain',
            name='name_en',
            field=models.CharField(max_length=120, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='valuechain',
            name='name_es',
            field=models.CharField(max_length=120, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='valuechain',
            name='name_fr',
            field=models.CharField(max_length=120, null=True, verbose_name='name'),
        ),
        migrations.RunPython(to_language_columns, to_single_columns),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.UniqueConstraint(fields=('value_chain', 'name_en'), name='product_unique_name-en'),
        ),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.UniqueConstraint(fields=('value_chain', 'name_fr'), name='product_unique_name-fr'),
        ),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.UniqueConstraint(fields=('value_chain', 'name_es'), name='product_unique_name-es'),
        ),
    ]
