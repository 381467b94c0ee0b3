"""Where the platform's date formats differ from Django's (FORMAT_MODULE_PATH).

Only what differs is here; everything else comes from Django's own locale formats.
"""
