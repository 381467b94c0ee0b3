"""Value chains and products are system data that people read on alliance and plan
pages, in reports and in the API: their names have an English, French and Spanish column
(django-modeltranslation). `chain.name` and `product.name` read the reader's language,
English when that one is empty."""

from modeltranslation.translator import TranslationOptions, register

from .models import Product, ValueChain


@register(ValueChain)
class ValueChainTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("en",)


@register(Product)
class ProductTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("en",)
