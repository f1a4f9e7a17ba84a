"""Example agency systems for the tests and the README: a council's case system and an ICB's FHIR server.

Each is a small Starlette app served on a loopback port (``tests.conftest.serving``); they are
test fixtures, not part of the hub.
"""
