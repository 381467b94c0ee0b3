"""The indicator catalogue is system data that people read: its names, units and
descriptions have an English, French and Spanish column (django-modeltranslation).
`indicator.name` reads the reader's language, English when that one is empty."""

from modeltranslation.translator import TranslationOptions, register

from .models import Indicator


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "unit", "description")
    required_languages = ("en",)
