"""Fixtures for the whole suite. Factories live in tests/fixtures/ and are plugged in here."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.factories",
    "tests.fixtures.browser",
    "tests.fixtures.pki",
    "tests.fixtures.guarantees",
    "tests.fixtures.experts",
    "tests.fixtures.opening",
    "tests.fixtures.cast",
    "tests.fixtures.committee",
    "tests.fixtures.sessions",
    "tests.fixtures.audit",
    "tests.fixtures.award",
    "tests.fixtures.sandbox",
]
