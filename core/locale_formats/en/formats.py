# English times on a 24-hour clock: Django's "P" writes "1:16 p.m.", which reads "p.m.."
# at the end of a sentence, and "noon" or "midnight" in a table column.
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
