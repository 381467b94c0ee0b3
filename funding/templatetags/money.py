"""Kept so that a template still loading `money` works: the filters are the `formats`
library's (config/format_filters.py). Load `formats` in new templates."""

from config.format_filters import register  # noqa: F401
