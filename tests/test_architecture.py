"""The apps' imports run one way (docs/architecture.md): a cycle between apps fails here.

Reads every module of our apps (migrations left out) and collects which app imports which,
at run time: imports under `if TYPE_CHECKING:` are for type checkers only and do not count.
"""

import ast
from pathlib import Path

from django.conf import settings

# Bottom to top: an app may import only the apps before it (docs/architecture.md).
LAYERS = (
    "audit",
    "portal",
    "consent",
    "summaries",
    "registry",
    "oversight",
    "triage",
    "patients",
)


def _runtime_imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []  # not at run time
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def app_imports() -> dict[tuple[str, str], list[str]]:
    root = Path(settings.BASE_DIR)
    edges: dict[tuple[str, str], list[str]] = {}
    for app in LAYERS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for module in _runtime_imports(ast.parse(path.read_text())):
                target = module.split(".")[0]
                if target in LAYERS and target != app:
                    edges.setdefault((app, target), []).append(str(path.relative_to(root)))
    return edges


def test_every_app_is_one_of_the_layers():
    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS if "." not in app}
    third_party = {
        "axes",
        "allauth",
        "csp",
        "django_guid",
        "rest_framework",
        "rest_framework_api_key",
        "drf_spectacular",
        "drf_spectacular_sidecar",
    }
    assert ours - third_party == set(LAYERS)


def test_apps_import_only_the_apps_below_them():
    upward = {
        f"{importer} -> {imported}: {', '.join(sorted(set(files)))}"
        for (importer, imported), files in app_imports().items()
        if LAYERS.index(imported) > LAYERS.index(importer)
    }
    assert upward == set(), "imports against the layers:\n" + "\n".join(sorted(upward))


def test_no_cycle_between_apps():
    edges = {pair for pair in app_imports()}
    graph: dict[str, set[str]] = {app: set() for app in LAYERS}
    for importer, imported in edges:
        graph[importer].add(imported)
    visiting, done = set(), set()

    def visit(app: str, path: tuple[str, ...]) -> None:
        assert app not in visiting, "import cycle: " + " -> ".join((*path, app))
        if app in done:
            return
        visiting.add(app)
        for imported in sorted(graph[app]):
            visit(imported, (*path, app))
        visiting.discard(app)
        done.add(app)

    for app in LAYERS:
        visit(app, ())
