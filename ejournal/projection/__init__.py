"""The SQLite projection of the feeds: disposable, rebuilt by ``ejournal rebuild``."""
