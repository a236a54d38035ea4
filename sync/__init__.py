"""Replication of feeds between replicas (server, flash drive, branch server); see issue #9.

It copies entries and checkpoints a replica lacks and never rewrites an entry. Nothing is
implemented here yet: the package exists so that the layering of DESIGN.md is in place.
"""
