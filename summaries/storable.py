"""Text from a GP system, made fit for a text column.

PostgreSQL refuses U+0000 in text and JSONB. A summary that holds one is quarantined by the
parser (its payload is kept as bytes); what we write about it ourselves (a reason that quotes
a resource id, a practice's last error) shows the character as the escape JSON writes.
"""


def storable_text(text: str) -> str:
    return text.replace("\x00", "\\u0000")
