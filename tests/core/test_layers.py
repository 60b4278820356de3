"""The layers: a module imports only from its own layer or a lower one.

Read with ``ast`` from the source, so a new module is held to the table the day it is added. The
one way up is a public convenience method of a model (``Schedule.to_fhir``, ``Patient.from_fhir``
...) importing its export or reader when called; anything else going up is a defect.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "plexodose"

LAYERS = (  # lowest first: a package, or a top-level module, and the layer it belongs to
    ("_core",),
    ("_views",),
    ("_patient",),
    ("_dosing",),
    ("_drugs",),
    ("_screening",),
    ("_monitoring",),
    ("_schedule",),
    ("_interop",),
    ("batch", "cli", "service", "strategies", "_hypothesis_plugin", "__main__"),
    ("__init__",),  # the façade
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}

CONVENIENCE = frozenset({  # public methods that may import a higher layer when called
    "to_dict", "to_json", "to_fhir", "to_ics", "to_csv", "to_records", "plot", "to_dataframe",
    "from_fhir",
})

# (importing module, imported module): upward imports still to be moved. Empty means done.
KNOWN_EXCEPTIONS: frozenset[tuple[str, str]] = frozenset()


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _rank(module: str) -> int:
    """The layer of ``plexodose.x.y``: its first component below the package."""
    parts = module.split(".")
    return RANK["__init__"] if len(parts) == 1 else RANK[parts[1]]


def _imported(node: ast.Import | ast.ImportFrom, here: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "plexodose"]
    base = node.module or ""
    if node.level:
        package = here.split(".") if is_package else here.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
    if base.split(".")[0] != "plexodose":
        return []
    if base == "plexodose":  # `from plexodose import x`: a submodule or a façade name
        return [f"plexodose.{a.name}" if a.name in RANK else "plexodose" for a in node.names]
    return [base]


def _imports(path: pathlib.Path, here: str) -> list[tuple[str, str | None, bool]]:
    """(imported module, enclosing function or None, under TYPE_CHECKING) for every import."""
    found: list[tuple[str, str | None, bool]] = []

    def visit(node: ast.AST, function: str | None, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for name in _imported(child, here, path.name == "__init__.py"):
                    found.append((name, function, typing_only))
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for part in child.body:
                    visit(ast.Module(body=[part], type_ignores=[]), function, True)
                for part in child.orelse:
                    visit(ast.Module(body=[part], type_ignores=[]), function, typing_only)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, function or child.name, typing_only)
            else:
                visit(child, function, typing_only)

    visit(ast.parse(path.read_text(encoding="utf-8")), None, False)
    return found


def _upward(modules: dict[str, pathlib.Path] | None = None) -> set[tuple[str, str]]:
    """Every (module, imported) pair that goes up a layer outside a convenience method."""
    if modules is None:
        modules = {_module_name(path): path for path in SRC.rglob("*.py")}
    pairs = set()
    for here, path in modules.items():
        for imported, function, typing_only in _imports(path, here):
            if typing_only or _rank(imported) <= _rank(here):
                continue
            if function in CONVENIENCE:
                continue
            pairs.add((here, imported))
    return pairs


def test_every_module_belongs_to_a_layer() -> None:
    for path in SRC.rglob("*.py"):
        _rank(_module_name(path))  # KeyError names a module that is in no layer


def test_no_module_imports_from_a_higher_layer() -> None:
    upward = _upward()
    assert upward - KNOWN_EXCEPTIONS == set(), "upward imports: move the code, or import lower"


def test_the_exceptions_list_only_what_still_goes_up() -> None:
    assert KNOWN_EXCEPTIONS - _upward() == set(), "fixed: remove these from KNOWN_EXCEPTIONS"


@pytest.mark.parametrize(
    ("module", "layer"),
    [("plexodose._core.errors", 0), ("plexodose._drugs.ivig", 4), ("plexodose._screening.screen", 5), ("plexodose.cli._review", 9),
     ("plexodose", 10)],
)
def test_the_layer_of_a_module_is_its_package(module: str, layer: int) -> None:
    assert _rank(module) == layer


def test_the_reader_finds_an_upward_import_and_lets_a_convenience_method_through(
    tmp_path: pathlib.Path,
) -> None:
    # a checker that cannot fail is no check: it must see both kinds of import in a real file
    source = (
        "from plexodose._interop import json\n"
        "def to_dict(self):\n    from plexodose._interop import json\n"
        "def helper():\n    from plexodose._schedule import model\n"
    )
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    found = _imports(path, "plexodose._core.probe")
    assert ("plexodose._interop", None, False) in found
    assert ("plexodose._interop", "to_dict", False) in found
    assert ("plexodose._schedule", "helper", False) in found
    assert _upward({"plexodose._core.probe": path}) == {
        ("plexodose._core.probe", "plexodose._interop"),
        ("plexodose._core.probe", "plexodose._schedule"),
    }
