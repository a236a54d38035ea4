"""Replication of feeds between replicas (server, flash drive, branch server); issue #9.

``replica.replicate`` copies the entries and checkpoints a replica lacks, after verifying the
source, and never rewrites what the replica has (a disagreement is a fork, reported and left
alone); ``backup`` makes a verified, recorded copy on a medium (``ejournal backup``). HTTP
transport: ``source.HttpSource`` and ``web/views/feeds.py`` (docs/SYNC.md).
"""
