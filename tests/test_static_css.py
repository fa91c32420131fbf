"""The pages load only the NL Design System CSS they use (static/vendor/utrecht/README.md),
and every component class they use is in it."""

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
VENDORED = BASE / "static" / "vendor" / "utrecht"
USED_CSS = VENDORED / "utrecht-used.css"
# Where class names are written: as scripts/purgecss.config.cjs reads them.
SOURCES = [
    *BASE.glob("templates/**/*.html"),
    *BASE.glob("static/triage/*.js"),
    *BASE.glob("*/forms.py"),
    *BASE.glob("*/templatetags/*.py"),
]
CLASS = re.compile(r"utrecht-[a-z0-9_-]*[a-z0-9]")


def _selectors() -> str:
    return USED_CSS.read_text()


def _has_rule(css: str, name: str) -> bool:
    return re.search(r"\." + re.escape(name) + r"(?![a-z0-9_-])", css) is not None


def test_the_layout_loads_one_vendored_stylesheet_the_used_rules():
    base = (BASE / "templates" / "base.html").read_text()
    stylesheets = re.findall(r'<link rel="stylesheet" href="\{% static \'([^\']+)\' %\}">', base)
    assert stylesheets == ["vendor/utrecht/utrecht-used.css", "css/portal.css"]
    assert sorted(p.name for p in VENDORED.glob("*.css")) == ["utrecht-used.css"]


def test_every_component_class_used_has_its_rules_in_the_stylesheet():
    css = _selectors()
    used = {name for path in SOURCES for name in CLASS.findall(path.read_text())}
    used.discard("utrecht-used")  # the stylesheet's own file name
    assert len(used) > 20  # the scan finds the pages' classes
    missing = sorted(name for name in used if not _has_rule(css, name))
    assert missing == [], f"run `make vendor-css`: {missing}"


def test_alert_kinds_built_from_a_variable_are_kept():
    """templates/components/alert.html writes utrecht-alert--{{ type }}: PurgeCSS cannot see
    those, the config's safelist keeps them."""
    css = _selectors()
    kinds = {
        kind
        for path in BASE.glob("templates/**/*.html")
        for kind in re.findall(r'alert\.html" with type="([a-z]+)"', path.read_text())
    }
    assert {"warning", "info"} <= kinds
    assert [kind for kind in sorted(kinds) if not _has_rule(css, f"utrecht-alert--{kind}")] == []
