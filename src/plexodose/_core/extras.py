"""Optional libraries: a feature used without its extra says which extra to install.

The runtime needs only pint and attrs; plotting, FHIR checks, the batch audit, Dask and the
hypothesis strategies need an extra (``pip install "plexodose[plot]"``). A missing one raises
:class:`MissingExtraError`, a ``ModuleNotFoundError`` (so ``except ImportError`` still works)
whose message names the extra::

    MissingExtraError: plotting needs the optional extra "plot": pip install "plexodose[plot]"
    (No module named 'matplotlib')

The hint installs from where plexodose came from: from a local checkout it is
``pip install -e "/path/to/plexodose[plot]"`` (PEP 610's ``direct_url.json``), see
:func:`install_hint`.

A module that needs an extra from its first line imports one of the ``needs_<extra>`` names
(``from plexodose._core.extras import needs_batch``) before the optional libraries: the import
itself checks them.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

EXTRAS = {  # top-level package -> the pyproject extra that installs it
    "matplotlib": "plot",
    "icalendar": "ics",
    "fhir": "fhir",
    "numpy": "batch",
    "pandas": "batch",
    "dask": "dask",
    "distributed": "dask",
    "hypothesis": "hypothesis",
    "sphinx": "docs",
    "myst_parser": "docs",
}
FEATURES = {  # needs_<extra>: (what the feature is called, the packages it imports first)
    "batch": ("plexodose.batch", ("numpy", "pandas")),
    "hypothesis": ("plexodose.strategies", ("hypothesis",)),
    "plot": ("plotting", ("matplotlib",)),
    "dask": ("the Dask audit", ("dask", "distributed")),
}


class MissingExtraError(ModuleNotFoundError):
    """An optional feature was used without the extra that installs its library."""


def extra_for(exc: ModuleNotFoundError) -> str | None:
    """The extra that installs the module ``exc`` could not find, or None."""
    return EXTRAS.get((exc.name or "").split(".")[0])


def missing_extra(exc: ModuleNotFoundError, feature: str | None = None) -> MissingExtraError:
    """``exc`` restated with the extra to install (the original message kept at the end)."""
    extra = extra_for(exc)
    if extra is None:
        raise ValueError(f"no extra installs {exc.name!r}")
    what = feature or f"the {exc.name.split('.')[0] if exc.name else 'optional'} feature"
    error = MissingExtraError(
        f'{what} needs the optional extra "{extra}": {install_hint(extra)} ({exc})',
        name=exc.name,
    )
    return error


def install_hint(extra: str) -> str:
    """The pip command that adds ``extra`` to plexodose where it was installed from: a local
    checkout (``pip install -e "/path[extra]"``, without ``-e`` when not editable), read from the
    distribution's PEP 610 ``direct_url.json``; else, or when that cannot be read, the index.
    """
    import shlex

    found = _installed_from()
    if found is None:
        return f'pip install "plexodose[{extra}]"'
    path, editable = found
    target = f"{path}[{extra}]"
    quoted = shlex.quote(target) if any(c in path for c in '"$`\\!') else f'"{target}"'
    return f"pip install {'-e ' if editable else ''}{quoted}"


def _distribution() -> Any:
    """The installed ``plexodose`` distribution (tests replace this lookup)."""
    from importlib import metadata

    return metadata.distribution("plexodose")


def _installed_from() -> tuple[str, bool] | None:
    """(the local directory, editable?) when plexodose was installed from one; else None
    (an index, an archive, a VCS URL, or anything that cannot be read)."""
    import json  # here, not at the top: only an error message needs them
    import urllib.parse
    import urllib.request

    try:
        text = _distribution().read_text("direct_url.json")
        data = json.loads(text) if text else None
        url = data["url"] if isinstance(data, dict) else None
        dir_info = data.get("dir_info") if isinstance(data, dict) else None
        if not isinstance(url, str) or not isinstance(dir_info, dict):
            return None  # not a local directory (an archive or a VCS checkout has other keys)
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme != "file":
            return None
        path = urllib.request.url2pathname(parsed.path)
    except Exception:  # a missing or broken distribution: the index form is always right
        return None
    return (path, dir_info.get("editable") is True) if path else None


def require(module: str, feature: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming its extra."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if extra_for(exc) is None:
            raise
        raise missing_extra(exc, feature) from exc


def __getattr__(name: str) -> bool:
    """``from plexodose._core.extras import needs_batch``: check the batch extra, or raise."""
    extra = name.removeprefix("needs_")
    if not name.startswith("needs_") or extra not in FEATURES:
        raise AttributeError(f"module 'plexodose._core.extras' has no attribute {name!r}")
    feature, packages = FEATURES[extra]
    for package in packages:
        require(package, feature)
    return True
