"""The journal model: events (what a school records), rules, permissions and commands.

Commands check permission and rules against the projection, then append events through the
log (``ejournal.log``) and apply them to the projection (``ejournal.projection``).
"""
