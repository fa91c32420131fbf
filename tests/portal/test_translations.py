"""The interface is Dutch: every message has a Dutch text, and the compiled
catalogue (.mo, committed) says the same as the reviewed one (.po)."""

import gettext
import re
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"

# One entry of a .po file: its msgid and msgstr, each one or more quoted strings.
BLOCK = re.compile(r'(msgid ((?:"(?:[^"\\]|\\.)*"\s*)+))msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)')


def unquote(chunk: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)).replace('\\"', '"')


def po_entries() -> dict[str, str]:
    text = (LOCALE / "django.po").read_text()
    return {unquote(m.group(2)): unquote(m.group(3)) for m in BLOCK.finditer(text)}


def test_no_entry_is_fuzzy():
    """msgmerge marks a guess from a similar old message fuzzy: a guess is no translation,
    and compilemessages leaves it out."""
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text().split("\n\n", 1)[1]


def test_every_message_has_a_dutch_translation():
    untranslated = [msgid for msgid, msgstr in po_entries().items() if msgid and not msgstr]
    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file():
    with open(LOCALE / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    for msgid, msgstr in po_entries().items():
        if msgid:
            assert catalogue.gettext(msgid.replace("\\n", "\n")) == msgstr.replace("\\n", "\n"), (
                msgid
            )
