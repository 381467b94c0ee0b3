"""Kept so that a template still loading `money` works: the filters are the `formats`
library's (core/templatetags/formats.py). Load `formats` in new templates."""

from core.templatetags.formats import register  # noqa: F401
