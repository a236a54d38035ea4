"""docs/EVENTS.md lists every entry type of the model with its fields, and is up to date."""

from __future__ import annotations

import runpy
from pathlib import Path

from ejournal.model import events as ev

REPO = Path(__file__).resolve().parent.parent


def test_events_doc_is_generated_from_the_current_events() -> None:
    render = runpy.run_path(str(REPO / "scripts" / "make_events_doc.py"))["render"]
    committed = (REPO / "docs" / "EVENTS.md").read_text(encoding="utf-8")
    assert render() == committed, "run: python scripts/make_events_doc.py"


def test_every_registered_type_has_a_section() -> None:
    text = (REPO / "docs" / "EVENTS.md").read_text(encoding="utf-8")
    for type_name in ev.REGISTRY:
        assert f"\n## `{type_name}`\n" in text, type_name
