"""Ledger events are written through audit/events.py only: one function per kind of event."""

import ast
from pathlib import Path

from django.conf import settings

APPS = ("audit", "consent", "portal", "summaries", "registry", "triage")
WRITERS = {"access_event_record"}


def calls_to_the_writer(path: Path) -> list[int]:
    tree = ast.parse(path.read_text())
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in WRITERS
    ]


def test_no_call_site_assembles_a_ledger_event_by_hand():
    root = Path(settings.BASE_DIR)
    allowed = {root / "audit" / "events.py", root / "audit" / "services.py"}
    by_hand = [
        f"{path.relative_to(root)}:{line}"
        for app in APPS
        if (root / app).exists()
        for path in sorted((root / app).rglob("*.py"))
        if path not in allowed and "migrations" not in path.parts
        for line in calls_to_the_writer(path)
    ]
    assert by_hand == [], "call audit.events instead:\n" + "\n".join(by_hand)
