"""A local stand-in for api.github.com: real HTTP, GitHub's schemas, arrangeable state, injectable faults.

Start with the ``github_double`` fixture (``tests/github_double/fixtures.py``), or ``GitHubDouble()`` as a
context manager. See ``double.py`` for arranging state and faults and ``routes/`` for adding endpoints.
"""

from tests.github_double.double import GitHubDouble, MovableClock
from tests.github_double.pipeline import Call

__all__ = ["Call", "GitHubDouble", "MovableClock"]
