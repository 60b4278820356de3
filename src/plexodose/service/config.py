"""The service's settings: read once from a TOML file, checked, then frozen.

Every setting has a default except the issuers (who may call) and, behind a proxy, the URL the
EHR calls (the JWT ``aud``). A setting that is missing a value, of the wrong type or out of its
range is refused with :class:`ConfigError`, naming the setting, the value and what is accepted.

>>> config = config_from_dict({"service": {"url": "https://cds.example.org"},
...     "issuers": [{"iss": "https://ehr.example.org", "jwks_url": "https://ehr.example.org/jwks"}]})
>>> config.endpoint("/cds-services"), config.issuers[0].jwks_urls
('https://cds.example.org/cds-services', ('https://ehr.example.org/jwks',))
>>> config_from_dict({"service": {"max_body_bytes": 10}})
Traceback (most recent call last):
...
plexodose.service.config.ConfigError: service.max_body_bytes 10 is outside 1,024-50,000,000
"""

from __future__ import annotations

import pathlib
import tomllib
import urllib.parse
from collections.abc import Mapping
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core.errors import InputRangeError, safe_repr

ASYMMETRIC = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
"""The JWS algorithms a token may be signed with: public-key ones only. CDS Hooks 2.0 forbids
``none`` and every symmetric (HMAC) algorithm, and recommends ES384 and RS384."""


class ConfigError(InputRangeError):
    """A setting of the service's configuration that cannot be used."""


@attrs.frozen(kw_only=True)
class Issuer:
    """An EHR allowed to call: its ``iss``, where its public keys are, and the FHIR servers it
    may name (empty: any https server)."""

    iss: str
    jwks_file: pathlib.Path | None = None
    jwks_urls: tuple[str, ...] = ()
    """The JWK Set URLs: the configured one first, then any other a token's ``jku`` may name."""
    fhir_servers: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Config:
    """Everything the service reads from its configuration file (see docs/service.md)."""

    url: str = ""
    """The base URL the EHR calls (scheme, host, port and any proxy prefix): a JWT's ``aud``
    must be this plus the endpoint's path. Empty: ``http://HOST:PORT`` of ``plexodose serve``."""
    max_body_bytes: int = 1_000_000
    issuers: tuple[Issuer, ...] = ()
    skew_seconds: int = 60
    max_token_lifetime_seconds: int = 300
    algorithms: tuple[str, ...] = ASYMMETRIC
    replay_cache_size: int = 500_000
    jwks_timeout_seconds: float = 3.0
    jwks_cache_seconds: int = 300
    fhir_connect_timeout_seconds: float = 2.0
    fhir_read_timeout_seconds: float = 5.0
    fhir_total_timeout_seconds: float = 8.0
    fhir_max_response_bytes: int = 10_000_000
    fhir_max_pages: int = 5
    allow_http: bool = False
    """Plain http for fhirServer and JWK Set URLs: for a test bench on localhost only."""
    feedback_database: pathlib.Path = pathlib.Path("plexodose-feedback.sqlite3")
    keep_comments: bool = False
    """Store the free-text ``userComment`` of an override (it may name the patient)."""
    show_within: bool = False
    """A card for an order within the rules too (a request can ask with its extension)."""
    dev_no_auth: bool = False
    log_tracebacks: bool = False

    def endpoint(self, path: str) -> str:
        """The URL the EHR calls for ``path`` (the JWT's ``aud``)."""
        return self.url.rstrip("/") + path

    def issuer(self, iss: str) -> Issuer | None:
        return next((i for i in self.issuers if i.iss == iss), None)


# (section, key) -> (Config field, type, low, high)
_NUMBERS: dict[tuple[str, str], tuple[str, type, float, float]] = {
    ("service", "max_body_bytes"): ("max_body_bytes", int, 1024, 50_000_000),
    ("auth", "skew_seconds"): ("skew_seconds", int, 0, 300),
    ("auth", "max_token_lifetime_seconds"): ("max_token_lifetime_seconds", int, 1, 3600),
    ("auth", "replay_cache_size"): ("replay_cache_size", int, 1000, 10_000_000),
    ("auth", "jwks_timeout_seconds"): ("jwks_timeout_seconds", float, 0.1, 30),
    ("auth", "jwks_cache_seconds"): ("jwks_cache_seconds", int, 0, 86_400),
    ("fhir", "connect_timeout_seconds"): ("fhir_connect_timeout_seconds", float, 0.1, 30),
    ("fhir", "read_timeout_seconds"): ("fhir_read_timeout_seconds", float, 0.1, 60),
    ("fhir", "total_timeout_seconds"): ("fhir_total_timeout_seconds", float, 0.1, 120),
    ("fhir", "max_response_bytes"): ("fhir_max_response_bytes", int, 10_000, 100_000_000),
    ("fhir", "max_pages"): ("fhir_max_pages", int, 1, 50),
}
_FLAGS: dict[tuple[str, str], str] = {
    ("fhir", "allow_http"): "allow_http",
    ("feedback", "keep_comments"): "keep_comments",
    ("cards", "show_within"): "show_within",
    ("service", "log_tracebacks"): "log_tracebacks",
}
_SECTIONS = {"service": {"url", "max_body_bytes", "log_tracebacks"},
             "auth": {"skew_seconds", "max_token_lifetime_seconds", "replay_cache_size",
                      "jwks_timeout_seconds", "jwks_cache_seconds", "algorithms"},
             "fhir": {"connect_timeout_seconds", "read_timeout_seconds", "total_timeout_seconds",
                      "max_response_bytes", "max_pages", "allow_http"},
             "feedback": {"database", "keep_comments"},
             "cards": {"show_within"},
             "issuers": set()}
_ISSUER_KEYS = {"iss", "jwks_file", "jwks_url", "jku", "fhir_servers"}


def load_config(path: str | pathlib.Path, **overrides: Any) -> Config:
    """The configuration in the TOML file ``path``; relative paths in it are read from the
    file's folder. ``overrides`` replace settings after reading (``url=``, ``dev_no_auth=``)."""
    where = pathlib.Path(path)
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration {where}: {exc.strerror or exc}",
                          field="config", value=str(where)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"the configuration {where} is not TOML: {exc}", field="config",
                          value=str(where)) from None
    return config_from_dict(data, base=where.parent, **overrides)


def config_from_dict(data: Mapping[str, Any], *, base: pathlib.Path | None = None,
                     **overrides: Any) -> Config:
    """The configuration from TOML already read (``base``: the folder relative paths start at)."""
    folder = base or pathlib.Path.cwd()
    for section, value in data.items():
        if section not in _SECTIONS:
            raise ConfigError(f"unknown section [{section}]: one of "
                              f"{', '.join(sorted(_SECTIONS))}", field=section, value=None)
        if section != "issuers":
            if not isinstance(value, Mapping):
                raise ConfigError(f"[{section}] must be a table", field=section, value=value)
            unknown = sorted(set(value) - _SECTIONS[section])
            if unknown:
                raise ConfigError(f"unknown setting {section}.{unknown[0]}: one of "
                                  f"{', '.join(sorted(_SECTIONS[section]))}",
                                  field=f"{section}.{unknown[0]}", value=value[unknown[0]])
    given: dict[str, Any] = {}
    for (section, key), (name, kind, low, high) in _NUMBERS.items():
        if key in data.get(section, {}):
            given[name] = _number(data[section][key], f"{section}.{key}", kind, low, high)
    for (section, key), name in _FLAGS.items():
        if key in data.get(section, {}):
            given[name] = _flag(data[section][key], f"{section}.{key}")
    service = data.get("service", {})
    if "url" in service:
        given["url"] = _url(service["url"], "service.url", http=True, path=True)
    auth = data.get("auth", {})
    if "algorithms" in auth:
        given["algorithms"] = _algorithms(auth["algorithms"])
    feedback = data.get("feedback", {})
    if "database" in feedback:
        given["feedback_database"] = folder / _text(feedback["database"], "feedback.database")
    allow_http = bool(given.get("allow_http", False))
    given["issuers"] = _issuers(data.get("issuers", []), folder, allow_http)
    config = Config(**given)
    return attrs.evolve(config, **overrides) if overrides else config


def _number(value: Any, field: str, kind: type, low: float, high: float) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            kind is int and not isinstance(value, int)):
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{field} must be {what}; got {safe_repr(value)}", field=field,
                          value=value)
    if not low <= value <= high:
        raise ConfigError(f"{field} {safe_repr(value)} is outside {fmt.number(low)}-"
                          f"{fmt.number(high)}",
                          field=field, value=value)
    return kind(value)  # type: ignore[no-any-return]


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{field} must be true or false; got {safe_repr(value)}", field=field,
                          value=value)
    return value


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise ConfigError(f"{field} must be a non-empty text of at most 2,000 characters; got "
                          f"{safe_repr(value)}", field=field, value=value)
    return value


def _url(value: Any, field: str, *, http: bool, path: bool = True) -> str:
    """An absolute https URL (http when ``http``) without user, query or fragment."""
    text = _text(value, field)
    parts = urllib.parse.urlsplit(text)
    schemes = ("https", "http") if http else ("https",)
    if (parts.scheme not in schemes or not parts.hostname or parts.username or parts.password
            or parts.query or parts.fragment or (not path and parts.path not in ("", "/"))):
        raise ConfigError(f"{field} must be an absolute {' or '.join(schemes)} URL without "
                          f"user, query or fragment; got {safe_repr(value)}", field=field,
                          value=value)
    return text


def _algorithms(value: Any) -> tuple[str, ...]:
    field = "auth.algorithms"
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{field} must be a non-empty list of {', '.join(ASYMMETRIC)}",
                          field=field, value=value)
    for item in value:
        if item not in ASYMMETRIC:
            raise ConfigError(f"{field}: {safe_repr(item)} is not one of {', '.join(ASYMMETRIC)}"
                              " (none and HMAC are refused by CDS Hooks)", field=field,
                              value=item)
    return tuple(dict.fromkeys(value))


def _issuers(value: Any, folder: pathlib.Path, allow_http: bool) -> tuple[Issuer, ...]:
    if not isinstance(value, list):
        raise ConfigError("issuers must be an array of tables ([[issuers]])", field="issuers",
                          value=value)
    found: list[Issuer] = []
    for index, item in enumerate(value):
        where = f"issuers[{index}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where} must be a table", field=where, value=item)
        unknown = sorted(set(item) - _ISSUER_KEYS)
        if unknown:
            raise ConfigError(f"unknown setting {where}.{unknown[0]}: one of "
                              f"{', '.join(sorted(_ISSUER_KEYS))}", field=f"{where}.{unknown[0]}",
                              value=item[unknown[0]])
        if "iss" not in item:
            raise ConfigError(f"{where}.iss is required", field=f"{where}.iss", value=None)
        iss = _text(item["iss"], f"{where}.iss")
        if any(i.iss == iss for i in found):
            raise ConfigError(f"{where}.iss {iss!r} is listed twice", field=f"{where}.iss",
                              value=iss)
        urls = []
        if "jwks_url" in item:
            urls.append(_url(item["jwks_url"], f"{where}.jwks_url", http=allow_http))
        extra = item.get("jku", [])
        if not isinstance(extra, list):
            raise ConfigError(f"{where}.jku must be a list of URLs", field=f"{where}.jku",
                              value=extra)
        urls += [_url(u, f"{where}.jku", http=allow_http) for u in extra]
        jwks_file = None
        if "jwks_file" in item:
            jwks_file = folder / _text(item["jwks_file"], f"{where}.jwks_file")
        if jwks_file is None and "jwks_url" not in item:
            raise ConfigError(f"{where} needs jwks_file (a JWK Set on disk) or jwks_url",
                              field=where, value=None)
        if jwks_file is not None and "jwks_url" in item:
            raise ConfigError(f"{where}: give jwks_file or jwks_url, not both", field=where,
                              value=None)
        servers = item.get("fhir_servers", [])
        if not isinstance(servers, list):
            raise ConfigError(f"{where}.fhir_servers must be a list of URLs",
                              field=f"{where}.fhir_servers", value=servers)
        found.append(Issuer(
            iss=iss, jwks_file=jwks_file, jwks_urls=tuple(dict.fromkeys(urls)),
            fhir_servers=tuple(_url(s, f"{where}.fhir_servers", http=allow_http).rstrip("/")
                               for s in servers)))
    return tuple(found)
