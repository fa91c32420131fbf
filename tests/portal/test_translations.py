"""The interface is Dutch: every message has a Dutch text, and the compiled
catalogue (.mo, committed) says the same as the reviewed one (.po)."""

import gettext
from pathlib import Path

from django.conf import settings

from scripts.translate_nl import BLOCK, unquote

LOCALE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    text = (LOCALE / "django.po").read_text()
    return {unquote(m.group(2)): unquote(m.group(3)) for m in BLOCK.finditer(text)}


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
