"""Programme-defined texts that people read have an English, French and Spanish column
(django-modeltranslation): the appraisal rubric and the legalization checklist.
`criterion.name` and `requirement.label` read the reader's language, English when that
one is empty."""

from modeltranslation.translator import TranslationOptions, register

from .models import LegalizationRequirement, RubricCriterion


@register(RubricCriterion)
class RubricCriterionTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("en",)


@register(LegalizationRequirement)
class LegalizationRequirementTranslation(TranslationOptions):
    fields = ("label",)
    required_languages = ("en",)
