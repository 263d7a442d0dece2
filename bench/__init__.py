"""The benchmark harness of issue 6: acdstats end to end against hand-written raw SQL.

Run `scripts/bench [--small | --medium]` from the repository root (or `python -m bench`).
Not part of the test suite: nothing here is collected by pytest.
"""
