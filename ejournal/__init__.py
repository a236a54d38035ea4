"""ejournal: an electronic class journal and diary for Russian schools, kept as signed,
append-only logs that a school holds itself (see README.md and docs/FORMAT.md)."""

__version__ = "0.1.0"
