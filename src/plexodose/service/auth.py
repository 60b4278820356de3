"""Who is calling: the EHR's signed JWT on every request (CDS Hooks 2.0, "Trusting CDS Clients").

A token is accepted only when all of these hold; anything else is :class:`Unauthorized`, whose
reason goes to the log and never to the caller:

- a public-key algorithm from the configured list (``none`` and HMAC are never accepted, so a
  public key cannot be used as an HMAC secret), with a ``kid``;
- an ``iss`` on the configured allow-list; the key is the ``kid`` of that issuer's own JWK Set
  (a file, or its configured URL). A ``jku`` the token names is used only when that exact URL is
  on the issuer's list; a key embedded in the token is never used;
- a key whose type and curve fit the algorithm (an EC key for ES384, RSA of 2,048 bits or more
  for RS384), whose ``alg`` and ``use`` (when given) agree;
- a valid signature; ``aud`` equal to the URL called; ``exp`` and ``iat`` numbers, ``iat`` not
  in the future and ``exp`` not past (both with the configured skew), a lifetime of at most the
  configured maximum; a ``jti`` not seen before while the token could still be accepted.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import pathlib
import time
from collections.abc import Mapping
from typing import Any

import attrs
import httpx
import jwt
from jwt.exceptions import PyJWTError

from plexodose.service.config import Config, Issuer

MAX_TOKEN_CHARS = 16_384
MAX_JWKS_BYTES = 1_000_000
REFETCH_UNKNOWN_KID_SECONDS = 30.0  # a new kid may be a rotation: refetch, but not on every call
_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
MIN_RSA_BITS = 2048


class Unauthorized(Exception):
    """The request's token is not accepted; ``str()`` is the reason, for the log only."""


class Busy(Exception):
    """The replay cache is full of tokens that are still valid: refuse for now (503)."""


@attrs.frozen
class Caller:
    """Who a verified token says is calling."""

    iss: str
    jti: str
    tenant: str | None = None


class ReplayCache:
    """The ``jti`` of every accepted token, kept until that token could no longer be accepted
    (its ``exp`` plus the skew); bounded in size."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._until: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._until)

    def add(self, key: str, until: float, now: float) -> bool:
        """Remember ``key`` until ``until``; False if it was already there (a replay)."""
        heap, seen = self._heap, self._until
        while heap and heap[0][0] < now:
            _, old = heapq.heappop(heap)
            if seen.get(old, now + 1) < now:
                del seen[old]
        if key in seen:
            return False
        if len(seen) >= self.size:
            raise Busy(f"replay cache full ({self.size:,} tokens still valid)")
        seen[key] = until
        heapq.heappush(heap, (until, key))
        return True


@attrs.define
class _KeySet:
    keys: dict[str, dict[str, Any]]
    fetched: float
    stamp: float = 0.0  # a file's mtime
    parsed: dict[tuple[str, str], Any] = attrs.Factory(dict)


class Verifier:
    """Checks the ``Authorization: Bearer`` JWT of each request against the configuration."""

    def __init__(self, config: Config, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.client = client
        self.replay: ReplayCache = ReplayCache(config.replay_cache_size)
        self._sets: dict[str, _KeySet] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        for issuer in config.issuers:  # a key file that cannot be read stops the start
            if issuer.jwks_file is not None:
                self._file_set(issuer.jwks_file)

    async def verify(self, authorization: str | None, audiences: tuple[str, ...],
                     now: float | None = None) -> Caller:
        """The caller named by a valid token for one of ``audiences``; else :class:`Unauthorized`."""
        token = _bearer(authorization)
        try:  # header and claims from one parse, to choose the key (the signature is next)
            parsed = jwt.decode_complete(token, options={"verify_signature": False})
            header, unverified = parsed["header"], parsed["payload"]
        except PyJWTError as exc:
            raise Unauthorized(f"malformed token: {exc}") from None
        alg = header.get("alg")
        if alg not in self.config.algorithms:
            raise Unauthorized(f"algorithm {str(alg)[:20]!r} not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= 256:
            raise Unauthorized("no kid in the header")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
            raise Unauthorized("typ is not JWT")
        if "crit" in header:
            raise Unauthorized("a critical header extension is not understood")
        iss = unverified.get("iss")
        issuer = self.config.issuer(iss) if isinstance(iss, str) else None
        if issuer is None or not isinstance(iss, str):
            raise Unauthorized(f"issuer {str(iss)[:80]!r} not on the allow-list")
        key = await self._key(issuer, header.get("jku"), kid, alg)
        moment = time.time() if now is None else now
        skew = self.config.skew_seconds
        try:
            claims = jwt.decode(
                token, key, algorithms=[alg], audience=list(audiences), issuer=iss,
                leeway=skew, options={"require": ["iss", "aud", "exp", "iat", "jti"],
                                      "verify_sub": False},
            )
        except PyJWTError as exc:
            raise Unauthorized(f"token refused: {type(exc).__name__}: {exc}") from None
        return self._claims(claims, iss, moment)

    def _claims(self, claims: Mapping[str, Any], iss: str, now: float) -> Caller:
        exp, iat, jti = claims.get("exp"), claims.get("iat"), claims.get("jti")
        for name, value in (("exp", exp), ("iat", iat)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise Unauthorized(f"{name} is not a number")
        assert isinstance(exp, (int, float)) and isinstance(iat, (int, float))
        skew = self.config.skew_seconds
        if exp <= now - skew:  # PyJWT checks too; kept here so the rule reads in one place
            raise Unauthorized("expired")
        if iat > now + skew:
            raise Unauthorized("issued in the future")
        if exp - iat > self.config.max_token_lifetime_seconds:
            raise Unauthorized(f"lifetime {exp - iat:g} s above the allowed "
                               f"{self.config.max_token_lifetime_seconds} s")
        if not isinstance(jti, str) or not 0 < len(jti) <= 256:
            raise Unauthorized("no usable jti")
        if not self.replay.add(f"{iss}\x00{jti}", exp + skew, now):
            raise Unauthorized("jti already used (replay)")
        tenant = claims.get("tenant")
        return Caller(iss=iss, jti=jti, tenant=tenant if isinstance(tenant, str) else None)

    async def _key(self, issuer: Issuer, jku: Any, kid: str, alg: str) -> Any:
        if jku is not None:
            if not isinstance(jku, str) or jku not in issuer.jwks_urls:
                raise Unauthorized(f"jku {str(jku)[:120]!r} is not on {issuer.iss}'s list")
            source = jku
        elif issuer.jwks_file is not None:
            source = str(issuer.jwks_file)
        else:
            source = issuer.jwks_urls[0]
        keys = await self._set(source, issuer, kid)
        jwk = keys.keys.get(kid)
        if jwk is None:
            raise Unauthorized(f"kid {kid[:60]!r} not in {source}")
        cached = keys.parsed.get((kid, alg))
        if cached is None:
            cached = keys.parsed[(kid, alg)] = _public_key(jwk, alg)
        return cached

    async def _set(self, source: str, issuer: Issuer, kid: str) -> _KeySet:
        if issuer.jwks_file is not None and source == str(issuer.jwks_file):
            return self._file_set(issuer.jwks_file)
        found = self._sets.get(source)
        now = time.monotonic()
        fresh = found is not None and now - found.fetched < self.config.jwks_cache_seconds
        if found is not None and fresh and (
                kid in found.keys or now - found.fetched < REFETCH_UNKNOWN_KID_SECONDS):
            return found
        lock = self._locks.setdefault(source, asyncio.Lock())
        async with lock:
            again = self._sets.get(source)
            if again is not None and again is not found:
                return again  # fetched while this request waited
            fetched = await self._fetch(source)
            self._sets[source] = fetched
            return fetched

    async def _fetch(self, url: str) -> _KeySet:
        if self.client is None:
            raise Unauthorized("no HTTP client to fetch a JWK Set")
        try:
            async with self.client.stream(
                    "GET", url, timeout=self.config.jwks_timeout_seconds,
                    follow_redirects=False, headers={"Accept": "application/json"}) as response:
                if response.status_code != 200:
                    raise Unauthorized(f"JWK Set {url}: HTTP {response.status_code}")
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise Unauthorized(f"JWK Set {url}: larger than {MAX_JWKS_BYTES:,} bytes")
        except httpx.HTTPError as exc:
            raise Unauthorized(f"JWK Set {url}: {type(exc).__name__}") from None
        return _KeySet(_keys(body, url), time.monotonic())

    def _file_set(self, path: pathlib.Path) -> _KeySet:
        source = str(path)
        try:
            stamp = path.stat().st_mtime
        except OSError as exc:
            raise Unauthorized(f"JWK Set {path}: {exc.strerror}") from None
        found = self._sets.get(source)
        if found is not None and found.stamp == stamp:
            return found
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise Unauthorized(f"JWK Set {path}: {exc.strerror}") from None
        made = _KeySet(_keys(body, source), time.monotonic(), stamp)
        self._sets[source] = made
        return made


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization is not a Bearer token")
    if len(token) > MAX_TOKEN_CHARS:
        raise Unauthorized("token too long")
    return token


def _keys(body: bytes, source: str) -> dict[str, dict[str, Any]]:
    """The keys of a JWK Set by kid (keys without a kid cannot be chosen and are left out)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized(f"JWK Set {source}: not JSON") from None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list):
        raise Unauthorized(f"JWK Set {source}: no keys")
    return {k["kid"]: k for k in keys if isinstance(k, dict) and isinstance(k.get("kid"), str)}


def _public_key(jwk: dict[str, Any], alg: str) -> Any:
    """The verification key of ``jwk`` for ``alg``, refusing any key that does not fit it."""
    kty = jwk.get("kty")
    wanted = "EC" if alg.startswith("ES") else "RSA"
    if kty != wanted:
        raise Unauthorized(f"key type {str(kty)[:10]!r} does not fit {alg}")
    if alg in _CURVES and jwk.get("crv") != _CURVES[alg]:
        raise Unauthorized(f"curve {str(jwk.get('crv'))[:10]!r} does not fit {alg}")
    if "alg" in jwk and jwk["alg"] != alg:
        raise Unauthorized(f"the key is for {str(jwk['alg'])[:10]!r}, the token says {alg}")
    if "use" in jwk and jwk["use"] != "sig":
        raise Unauthorized("the key is not a signing key")
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        raise Unauthorized("the key may not verify")
    public = {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "oth")}
    try:
        key = jwt.PyJWK(public, algorithm=alg).key
    except (PyJWTError, ValueError, TypeError) as exc:
        raise Unauthorized(f"unusable key: {type(exc).__name__}") from None
    if wanted == "RSA" and getattr(key, "key_size", 0) < MIN_RSA_BITS:
        raise Unauthorized(f"RSA key shorter than {MIN_RSA_BITS} bits")
    return key
