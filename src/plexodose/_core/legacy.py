"""Module paths of plexodose 0.1.0, before the layout move: its pickles name them.

A pickle names the module a class or function was defined in. Those written by 0.1.0 name the
flat modules (``plexodose._results``); each old name is served by the module that holds the code
now, through a finder that answers for these names only. ``plexodose._patient`` is a package
again and answers for ``Patient`` itself.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import importlib.machinery
    from collections.abc import Callable

MOVED = {  # the 0.1.0 module -> the module that holds its code now
    "plexodose._azathioprine": "plexodose._drugs.azathioprine",
    "plexodose._before": "plexodose._monitoring.before",
    "plexodose._body": "plexodose._patient.body",
    "plexodose._ciclosporin": "plexodose._drugs.ciclosporin",
    "plexodose._cli_review": "plexodose.cli._review",
    "plexodose._common": "plexodose._dosing.calculation",
    "plexodose._cyclophosphamide": "plexodose._drugs.cyclophosphamide",
    "plexodose._dates": "plexodose._core.checks",
    "plexodose._dispense": "plexodose._dosing.dispense",
    "plexodose._errors": "plexodose._core.errors",
    "plexodose._exports": "plexodose._interop",
    "plexodose._exports.codes": "plexodose._interop.codes",
    "plexodose._exports.fhir": "plexodose._interop.fhir_out",
    "plexodose._exports.ics": "plexodose._interop.ics",
    "plexodose._exports.identity": "plexodose._interop.identity",
    "plexodose._exports.plot": "plexodose._interop.plot",
    "plexodose._exports.safe_text": "plexodose._core.text",
    "plexodose._exports.tabular": "plexodose._interop.tabular",
    "plexodose._extras": "plexodose._core.extras",
    "plexodose._fhir_in": "plexodose._interop.fhir_in",
    "plexodose._format": "plexodose._core.format",
    "plexodose._guard": "plexodose._dosing.guard",
    "plexodose._ivig": "plexodose._drugs.ivig",
    "plexodose._json": "plexodose._interop.json",
    "plexodose._labs": "plexodose._monitoring.labs",
    "plexodose._limits": "plexodose._core.limits",
    "plexodose._monitoring_rules": "plexodose._monitoring.thresholds",
    "plexodose._mycophenolate": "plexodose._drugs.mycophenolate",
    "plexodose._products": "plexodose._dosing.products",
    "plexodose._record": "plexodose._core.record",
    "plexodose._registry": "plexodose._core.registry",
    "plexodose._results": "plexodose._dosing.results",
    "plexodose._review": "plexodose._monitoring.review",
    "plexodose._review_rules": "plexodose._monitoring.rules",
    "plexodose._sources": "plexodose._core.sources",
    "plexodose._taper": "plexodose._schedule.taper",
    "plexodose._text": "plexodose._core.checks",
    "plexodose._trace": "plexodose._dosing.trace",
    "plexodose._ucum": "plexodose._core.ucum",
    "plexodose._units": "plexodose._core.units",
    "plexodose._vocab": "plexodose._core.vocab",
}


class _Alias:
    """Loads an old module name as the module that replaced it (the same object)."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module was loaded under its own name."""


class _Finder:
    """A meta path finder for the names in :data:`MOVED` only."""

    @staticmethod
    def find_spec(
        name: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        moved = MOVED.get(name)
        if moved is None:
            return None
        import importlib.util  # only when an old name is asked for

        loader: Any = _Alias(moved)  # a loader by protocol (create_module, exec_module)
        return importlib.util.spec_from_loader(name, loader)


FINDER = _Finder()


def install() -> None:
    """Put the finder first on ``sys.meta_path``, once."""
    if FINDER not in sys.meta_path:
        sys.meta_path.insert(0, FINDER)


T = TypeVar("T", bound=type)


def loads_older_pickles(
    cls: T, *, recover: Callable[[Any], dict[str, Any]] | None = None,
    replaces: tuple[str, ...] = (),
) -> T:
    """Let a slotted attrs class pickled before some of its fields existed load them at their
    defaults (a 0.1.0 Patient has no dates, a Labs no origins, a Review no judgements).

    ``recover(obj)``, if given, is called on an object that lacked fields, once loaded; the
    values it returns replace the defaults of those missing (a 0.1.0 Source finds its id by its
    words). ``replaces`` names fields the pickle had whose value ``recover`` may correct too
    (a Source's citation whose words were renamed since). An object pickled with every field is
    loaded exactly as pickled."""
    import attrs  # here, not at the top: the façade imports this module and loads nothing else

    fields = attrs.fields(cls)
    defaults = {f.name: _default(f) for f in fields}
    restore = cls.__setstate__  # type: ignore[attr-defined]

    def __setstate__(self: Any, state: Any) -> None:
        pickled = state
        if isinstance(state, dict):
            state = {**defaults, **state}
        elif isinstance(state, tuple) and len(state) < len(fields):
            state = state + tuple(defaults[f.name] for f in fields[len(state) :])
        restore(self, state)
        if recover is not None:
            _recover(self, recover, _lacked(pickled, fields), replaces)

    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
    return cls


def _lacked(pickled: Any, fields: Any) -> list[str]:
    """The fields a pickled state has no value for."""
    if isinstance(pickled, dict):
        return [f.name for f in fields if f.name not in pickled]
    return [f.name for f in fields[len(pickled) :]] if isinstance(pickled, tuple) else []


def _recover(obj: Any, recover: Callable[[Any], dict[str, Any]], lacked: list[str],
             replaces: tuple[str, ...]) -> None:
    if not lacked:  # pickled with every field: nothing to look up
        return
    for name, value in recover(obj).items():
        if name in lacked or name in replaces:  # frozen: set as attrs' own __setstate__ does
            object.__setattr__(obj, name, value)


def _default(field: Any) -> Any:
    import attrs

    default = field.default
    return default.factory() if isinstance(default, attrs.Factory) else default  # type: ignore[arg-type]
