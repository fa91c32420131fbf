"""U+0000 in what a GP system sends: valid JSON, but PostgreSQL stores it in neither JSONB nor
text. Found here (PageIndex looks in every resource) and named to its field, so that it never
reaches the database: a clinical item that holds one is left out of its summary and
quarantined alone; a Patient that holds one is held back whole (build.py, page.py)."""

from __future__ import annotations

from typing import Any

ESCAPED_NUL = b"\\u0000"  # how JSON writes U+0000; PostgreSQL refuses it in JSONB and text


def nul_reason(where: str) -> str:
    """The quarantine reason for a NUL at "Type/id.field"."""
    return f"{where}: text holds a NUL character (\\u0000), which the database cannot store"


def path_to_nul(value: Any, path: str) -> str | None:
    """The path ("note[0].text") of the first text or name in value holding U+0000, or None.

    A backslash written before "u0000" looks like U+0000 in the JSON; this tells them apart.
    """
    if type(value) is dict:
        for key, child in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            if (found := path_to_nul(child, here)) is not None:
                return found
    elif type(value) is list:
        for i, child in enumerate(value):
            if (found := path_to_nul(child, f"{path}[{i}]")) is not None:
                return found
    elif type(value) is str and "\x00" in value:
        return path
    return None
