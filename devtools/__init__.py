"""Developer tooling outside the runtime package: evaluation, benchmark, load test, app client.

Reached through `python -m assistant eval|bench|loadtest`, whose handlers import it lazily;
nothing in the runtime layers imports it (an import-linter contract in pyproject.toml).
"""
