"""The end-to-end bench: the real service and a small FHIR server, each a uvicorn server on a
free localhost port (in a thread of the test process), keys made here, and a real HTTP client.

The FHIR server holds the example patient (``fhir_data``), asks for its bearer token, records
each request, and can be told to misbehave (redirect, stall, refuse). It also serves the JWK
Sets of the issuer that publishes its keys at a URL.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import fhir_data as data
import httpx
import jsonschema
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from plexodose.service.app import create_app
from plexodose.service.config import Config, Issuer

HERE = pathlib.Path(__file__).parent
SCHEMA = json.loads((HERE / "cds-hooks-2.0.schema.json").read_text(encoding="utf-8"))
ISS = "https://ehr.example.test"  # keys in a file
ISS_URL = "https://ehr2.example.test"  # keys at a URL of the test FHIR server
FHIR_TOKEN = "fhir-access-token-for-the-test"


def validate(kind: str, instance: Any) -> None:
    """``instance`` against the vendored CDS Hooks 2.0 schema's ``kind`` ($defs name)."""
    schema = {**SCHEMA, "$ref": f"#/$defs/{kind}"}
    jsonschema.Draft202012Validator(schema).validate(instance)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Live:
    """An ASGI app served by uvicorn in a thread, on a free localhost port."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
            lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Live:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


# -- keys -----------------------------------------------------------------------------------------


class Keys:
    """The EHR's signing keys (ES384, RS384), an attacker's, and a short RSA key."""

    def __init__(self) -> None:
        self.es384 = ec.generate_private_key(ec.SECP384R1())
        self.rs384 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.attacker = ec.generate_private_key(ec.SECP384R1())
        self.short_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        self.es256 = ec.generate_private_key(ec.SECP256R1())
        self.rotated = ec.generate_private_key(ec.SECP384R1())

    def jwks(self) -> dict[str, Any]:
        return {"keys": [
            _jwk(ECAlgorithm.to_jwk(self.es384.public_key(), as_dict=True), "es384", "ES384"),
            _jwk(RSAAlgorithm.to_jwk(self.rs384.public_key(), as_dict=True), "rs384", "RS384"),
            _jwk(RSAAlgorithm.to_jwk(self.short_rsa.public_key(), as_dict=True), "short", None),
            _jwk(ECAlgorithm.to_jwk(self.es256.public_key(), as_dict=True), "es256", None),
        ]}


def _jwk(found: Any, kid: str, alg: str | None) -> dict[str, Any]:
    key = dict(found)
    key.update(kid=kid, use="sig")
    if alg is not None:
        key["alg"] = alg
    return key


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


class Tokens:
    """Signed tokens for the service at ``base``."""

    def __init__(self, keys: Keys, base: str) -> None:
        self.keys, self.base = keys, base

    def make(self, path: str = "/cds-services", *, alg: str = "ES384", kid: str | None = None,
             key: Any = None, iss: str = ISS, headers: dict[str, Any] | None = None,
             drop: tuple[str, ...] = (), **claims: Any) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {"iss": iss, "aud": self.base + path, "exp": now + 60,
                                   "iat": now, "jti": str(uuid.uuid4()),
                                   "tenant": "tenant-1"} | claims
        for name in drop:
            payload.pop(name, None)
        signer = key if key is not None else {"ES384": self.keys.es384,
                                              "RS384": self.keys.rs384}[alg]
        head = {"kid": kid or alg.lower(), "typ": "JWT"} | (headers or {})
        return jwt.encode(payload, signer, algorithm=alg, headers=head)

    def header(self, path: str = "/cds-services", **given: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.make(path, **given)}"}


# -- the FHIR server --------------------------------------------------------------------------------


class Fhir:
    """What the test FHIR server holds and how it behaves; what it was asked."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self.requests: list[tuple[str, str, str | None]] = []
        self.mode = "normal"  # normal | redirect | slow | unauthorized | next
        self.reset()

    def reset(self) -> None:
        self.requests.clear()
        self.mode = "normal"
        self.prefetch = data.prefetch()

    def answer(self, path: str, query: dict[str, str]) -> Any:
        if path == f"Patient/{data.PATIENT_ID}":
            return self.prefetch["patient"]
        if path == "Observation":
            wanted = {c.split("|")[-1] for c in query.get("code", "").split(",")}
            found = [e["resource"] for key in ("weight", "height", "creatinine", "tpmt", "labs")
                     for e in self.prefetch[key]["entry"]]
            hits = [r for r in found if r["code"]["coding"][0]["code"] in wanted]
            return data.searchset(*hits[:int(query.get("_count", "100"))])
        if path == "MedicationAdministration":
            return self.prefetch["cyclophosphamide"]
        return None


def fhir_app(fhir: Fhir) -> Starlette:
    async def read(request: Request) -> Response:
        path = request.path_params["path"]
        auth = request.headers.get("authorization")
        fhir.requests.append((path, str(request.url.query), auth))
        if auth != f"Bearer {FHIR_TOKEN}" or fhir.mode == "unauthorized":
            return JSONResponse({"resourceType": "OperationOutcome"}, 401)
        if fhir.mode == "redirect":
            return Response(status_code=302,
                            headers={"Location": f"http://evil.example.test/fhir/{path}"})
        if fhir.mode == "slow":
            await asyncio.sleep(5)
        found = fhir.answer(path, dict(request.query_params))
        if found is None:
            return JSONResponse({"resourceType": "OperationOutcome"}, 404)
        if fhir.mode == "next" and path == "MedicationAdministration":
            found = {**found, "link": [{"relation": "next", "url": str(request.url) + "&page=2"}]}
            if "page=2" in str(request.url.query):
                found = data.searchset()
        return JSONResponse(found, media_type="application/fhir+json")

    async def jwks(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "ehr2":
            return JSONResponse(fhir.keys.jwks())
        if name == "rotated":
            jwk = _jwk(ECAlgorithm.to_jwk(fhir.keys.rotated.public_key(), as_dict=True),
                       "rotated", "ES384")
            return JSONResponse({"keys": [jwk]})
        if name == "attacker":
            jwk = _jwk(ECAlgorithm.to_jwk(fhir.keys.attacker.public_key(), as_dict=True),
                       "es384", "ES384")
            return JSONResponse({"keys": [jwk]})
        return JSONResponse({}, 404)

    return Starlette(routes=[Route("/fhir/{path:path}", read), Route("/jwks/{name}", jwks)])


@pytest.fixture(scope="session")
def fhir(keys: Keys) -> Iterator[tuple[Fhir, str]]:
    state = Fhir(keys)
    with Live(fhir_app(state)) as live:
        yield state, live.url


# -- the service ----------------------------------------------------------------------------------


def service_config(keys: Keys, folder: pathlib.Path, fhir_url: str, url: str,
                   **given: Any) -> Config:
    jwks = folder / "ehr-jwks.json"
    jwks.write_text(json.dumps(keys.jwks()), encoding="utf-8")
    settings: dict[str, Any] = {
        "url": url, "allow_http": True, "feedback_database": folder / "feedback.sqlite3",
        "fhir_connect_timeout_seconds": 1.0, "fhir_read_timeout_seconds": 1.0,
        "fhir_total_timeout_seconds": 2.0, "jwks_timeout_seconds": 1.0,
        "issuers": (Issuer(iss=ISS, jwks_file=jwks),
                    Issuer(iss=ISS_URL, jwks_urls=(f"{fhir_url}/jwks/ehr2",
                                                   f"{fhir_url}/jwks/rotated"))),
    }
    return Config(**(settings | given))


class Bench:
    """The running service: its URL, a client, tokens and the FHIR server behind it."""

    def __init__(self, url: str, tokens: Tokens, fhir: Fhir, fhir_url: str,
                 config: Config) -> None:
        self.url, self.tokens, self.fhir, self.fhir_url = url, tokens, fhir, fhir_url
        self.config = config
        self.client = httpx.Client(base_url=url, timeout=10)

    def post(self, path: str, body: Any, *, token: dict[str, str] | None = None,
             **given: Any) -> httpx.Response:
        headers = token if token is not None else self.tokens.header(path)
        return self.client.post(path, json=body, headers=headers, **given)

    def call(self, service: str, body: Any) -> httpx.Response:
        validate("request", body)
        return self.post(f"/cds-services/{service}", body)


@pytest.fixture(scope="module")
def bench(keys: Keys, fhir: tuple[Fhir, str],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    state, fhir_url = fhir
    folder = tmp_path_factory.mktemp("service")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = service_config(keys, folder, fhir_url, url)
    app = create_app(config)
    with Live(app, port):
        made = Bench(url, Tokens(keys, url), state, fhir_url, config)
        yield made
        made.client.close()


@pytest.fixture
def fresh(bench: Bench) -> Bench:
    """The bench with the FHIR server back to normal and its log emptied."""
    bench.fhir.reset()
    return bench
