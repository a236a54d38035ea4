"""The web journal: a thin Litestar app over the ``ejournal`` library; see issue #4.

No SQL and no rules live here. Nothing is implemented yet: the package holds the place that
DESIGN.md gives it.
"""
