"""The web journal: a thin Litestar app over the ``ejournal`` library (issue #4).

No SQL and no rules live here: a page turns a form into a command or a query of the library and
renders a Jinja2 template (a full page or an htmx fragment).
"""

from .app import create_app

__all__ = ["create_app"]
