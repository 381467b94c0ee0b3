"""A measurement in a fresh process: `python -m benchmarks.child <function> <json>` sets
Django up, calls `benchmarks.measure.<function>(**arguments)` and prints what it returns
as JSON on its last line (`databases.child` reads it)."""

import json
import sys

import django

django.setup()

from benchmarks import measure  # noqa: E402 - needs Django set up

function, arguments = sys.argv[1], json.loads(sys.argv[2])
print(json.dumps(getattr(measure, function)(**arguments)))
