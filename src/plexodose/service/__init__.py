"""plexodose as a CDS Hooks 2.0 service: the order screen where orders are signed.

An optional part (``pip install "plexodose[service]"``: Starlette, uvicorn, httpx, PyJWT, and
httptools and uvloop, which uvicorn uses when installed), run
with ``plexodose serve --config service.toml`` or served by a host's own ASGI server::

    PLEXODOSE_SERVICE_CONFIG=service.toml uvicorn --factory plexodose.service:create_app

``import plexodose`` and ``import plexodose.service`` load none of it: :func:`create_app` and
:func:`load_config` load the service's modules when called. See docs/service.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plexodose.service.config import Config

PACKAGES = ("starlette", "uvicorn", "httpx", "jwt")


def require() -> None:
    """Check that the service's libraries are installed, or name the extra that installs them."""
    import importlib.util

    from plexodose._core.extras import MissingExtraError, install_hint

    for package in PACKAGES:
        if importlib.util.find_spec(package) is None:
            raise MissingExtraError(
                f'the CDS Hooks service needs the optional extra "service": '
                f"{install_hint('service')} (No module named {package!r})", name=package)


def create_app(config: Config | None = None) -> Any:
    """The ASGI application (see :func:`plexodose.service.app.create_app`)."""
    require()
    from plexodose.service.app import create_app as make

    return make(config)


def load_config(path: str, **overrides: Any) -> Config:
    """The service's configuration from a TOML file (see :mod:`plexodose.service.config`)."""
    from plexodose.service.config import load_config as load

    return load(path, **overrides)


__all__ = ["create_app", "load_config", "require"]
