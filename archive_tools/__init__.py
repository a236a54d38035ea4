"""Archive packages of a school year and their verification; see issue #8.

Its verifier may depend only on the log format (``ejournal.log``) and ``cryptography``.
Nothing is implemented yet: the package holds the place that DESIGN.md gives it.
"""
