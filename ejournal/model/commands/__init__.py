"""Commands: one function per thing a user does. Each takes the open :class:`Journal`, the
acting person and the input; checks permission and rules; writes events; or raises a
:class:`~ejournal.model.errors.JournalError` with a Russian message and writes nothing."""
