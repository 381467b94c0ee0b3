"""Speed and memory at 1,000, 10,000 and 50,000 alliances: `python -m benchmarks` (see
`__main__.py`). Not tests: they print figures."""
