"""The demo school: a realistic, deterministic Russian school with its journal history, for
trying the journal out and for benchmarks (``ejournal demo DATA_DIR``).

The generator writes the past with a simulated clock (:mod:`ejournal.demo.world`). Only a demo
may do that: a real school's journal is opened with the real clock, and every entry carries
the real time it was written (R-MRK-2).
"""

from .generate import DemoError, DemoOptions, DemoResult, Login, build_demo

__all__ = ["DemoError", "DemoOptions", "DemoResult", "Login", "build_demo"]
