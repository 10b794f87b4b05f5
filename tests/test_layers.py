"""The shape of the code: each layer imports only those below it (by an import or
by ``apps.get_model``), and no app outgrows the others.

Layers, from the ground up (docs/architecture.md): ``core`` (what every app
stands on, knowing no app), then cms_pages, forms, selection, investigations,
exports and staffapi, then privacy, figures and demo (which read every app), then the project
package ``amorce`` that composes them. An import hidden in a function to dodge
a cycle is still an import: it counts, and is refused unless it avoids a real
cost (a comment ``# lazy: …`` says which) or registers an app's rules from
``AppConfig.ready``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {
    "core": 0,
    "cms_pages": 1,
    "accounts": 1,
    "forms": 2,
    "twofactor": 2,
    "selection": 3,
    "applicants": 4,
    "investigations": 4,
    "exports": 5,
    "staffapi": 5,
    "privacy": 6,
    "webhooks": 6,
    "figures": 6,
    "demo": 6,
    "amorce": 7,
}
FOLDERS = {name: ROOT / name for name in LAYERS} | {"amorce": ROOT / "site" / "amorce"}


def modules():
    for package, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield package, path


def packages_of(node):
    """The first-party packages an import (or ``apps.get_model("app", …)``) names."""
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return []  # relative: the same package
        names = [node.module or ""]
    elif isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:  # a call to get_model: its first argument, « app » or « app.Model »
        names = [node.args[0].value] if node.args else []
    tops = {name.split(".")[0] for name in names}
    return sorted(top for top in tops if top in LAYERS)


def is_get_model(node):
    return (
        isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", None)) == "get_model"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def imports_of(path):
    """(node, package imported, inside a function, the function's name)."""
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines()

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, child.name)
            elif isinstance(child, ast.Import | ast.ImportFrom) or is_get_model(child):
                yield child, function, lines
                yield from visit(child, function)
            else:
                yield from visit(child, function)

    yield from visit(tree, None)


def test_each_layer_imports_only_the_layers_below():
    upward = []
    for package, path in modules():
        for node, _function, _lines in imports_of(path):
            for imported in packages_of(node):
                if imported != package and LAYERS[imported] >= LAYERS[package]:
                    upward.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} {package} → {imported}"
                    )
    assert upward == []


def test_no_import_is_hidden_in_a_function():
    hidden = []
    for _package, path in modules():
        for node, function, lines in imports_of(path):
            if function is None or function == "ready" or is_get_model(node):
                continue
            first_party = packages_of(node) or (
                isinstance(node, ast.ImportFrom) and node.level
            )
            if not first_party:
                continue
            said = " ".join(lines[max(0, node.lineno - 3) : node.lineno])
            if "# lazy:" not in said:
                hidden.append(f"{path.relative_to(ROOT)}:{node.lineno} in {function}()")
    assert hidden == []


def lines_of(folder):
    return sum(
        len(path.read_text().splitlines())
        for path in folder.rglob("*.py")
        if "migrations" not in path.parts
    )


def test_no_app_holds_more_than_a_quarter_of_the_code():
    sizes = {package: lines_of(folder) for package, folder in FOLDERS.items()}
    total = sum(sizes.values())
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] <= total / 4, (largest, sizes[largest], total)


@pytest.mark.parametrize("path", [ROOT / "cms_pages", ROOT / "forms"])
def test_models_are_split_before_a_file_grows_past_about_500_lines(path):
    too_long = [
        str(file.relative_to(ROOT))
        for file in path.rglob("models*.py")
        if len(file.read_text().splitlines()) > 550
    ] + [
        str(file.relative_to(ROOT))
        for file in (path / "models").glob("*.py")
        if (path / "models").is_dir() and len(file.read_text().splitlines()) > 550
    ]
    assert too_long == []
