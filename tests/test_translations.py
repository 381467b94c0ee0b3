"""The French and Spanish catalogues are complete: no entry untranslated or fuzzy, and
every placeholder of an English text is in its translation (a missing `%(limit)s` would
raise at run time, an extra one print a code)."""

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[1] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_entry_is_translated(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in catalogue if not e.obsolete and "fuzzy" in e.flags]
    assert (missing, fuzzy) == ([], [])


@pytest.mark.parametrize("language", ["fr", "es"])
def test_translations_keep_the_placeholders(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    wrong = []
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:  # a singular form may leave the number out ("this member")
            known = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
            wrong += [
                (entry.msgid, text)
                for text in entry.msgstr_plural.values()
                if not set(PLACEHOLDER.findall(text)) <= known
            ]
        elif sorted(PLACEHOLDER.findall(entry.msgstr)) != sorted(PLACEHOLDER.findall(entry.msgid)):
            wrong.append((entry.msgid, entry.msgstr))
    assert wrong == []
