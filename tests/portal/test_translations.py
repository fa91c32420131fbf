"""The interface is Dutch: every message has a Dutch text, and the compiled
catalogue (.mo, committed) says the same as the reviewed one (.po)."""

import gettext
import re
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"

# One entry of a .po file: its context if it has one, its msgid and msgstr, each one or more
# quoted strings.
QUOTED = r'((?:"(?:[^"\\]|\\.)*"\s*)+)'
BLOCK = re.compile(rf"(?:^msgctxt {QUOTED})?^msgid {QUOTED}msgstr {QUOTED}", re.MULTILINE)


def unquote(chunk: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)).replace('\\"', '"')


def po_entries() -> dict[tuple[str | None, str], str]:
    """(context or None, msgid) → msgstr."""
    text = (LOCALE / "django.po").read_text()
    return {
        (unquote(m.group(1)) if m.group(1) else None, unquote(m.group(2))): unquote(m.group(3))
        for m in BLOCK.finditer(text)
    }


def test_no_entry_is_fuzzy():
    """msgmerge marks a guess from a similar old message fuzzy: a guess is no translation,
    and compilemessages leaves it out."""
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text().split("\n\n", 1)[1]


def test_every_message_has_a_dutch_translation():
    untranslated = [key for key, msgstr in po_entries().items() if key[1] and not msgstr]
    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file():
    with open(LOCALE / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    entries = po_entries()
    # The pattern reads the file's entries, those with a context among them.
    assert len(entries) > 500 and any(context for context, _ in entries)
    for (context, msgid), msgstr in entries.items():
        if not msgid:
            continue
        msgid, msgstr = msgid.replace("\\n", "\n"), msgstr.replace("\\n", "\n")
        if context is None:
            assert catalogue.gettext(msgid) == msgstr, msgid
        else:
            assert catalogue.pgettext(context, msgid) == msgstr, (context, msgid)
