"""The EHR's JWT on every request: each way a token can be wrong is a bare 401, and the two
recommended algorithms (ES384, RS384) pass, from a key file or the issuer's JWK Set URL."""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from conftest import ISS, ISS_URL, Bench

DISCOVERY = "/cds-services"


def _get(bench: Bench, token: str | None, *, scheme: str = "Bearer") -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"{scheme} {token}"}
    return bench.client.get(DISCOVERY, headers=headers)


@pytest.fixture(autouse=True)
def _log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="plexodose.service")


def _lines(request_id: str) -> list[str]:
    """The log lines of one request (caplog's handler sits on the root logger). The server
    writes its line just after the response has gone: wait for it (at most 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        found = [record.getMessage() for handler in logging.getLogger().handlers
                 for record in getattr(handler, "records", [])
                 if request_id in record.getMessage()]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def _refused(response: httpx.Response, *reasons: str) -> None:
    """A bare 401 whose logged reason (the operator's, never the caller's) holds ``reason``."""
    assert response.status_code == 401
    # nothing that helps an attacker: no reason, only the request id for the operator's log
    assert response.json() == {"error": "unauthorized",
                               "request_id": response.headers["x-request-id"]}
    assert response.headers["www-authenticate"] == "Bearer"
    lines = _lines(response.headers["x-request-id"])
    assert any(reason in line for line in lines for reason in reasons), lines


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(bench: Bench, **given: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": ISS, "aud": bench.url + DISCOVERY, "exp": now + 60, "iat": now,
            "jti": str(uuid.uuid4())} | given


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_es384_and_rs384_tokens_from_the_key_file_are_accepted(bench: Bench, alg: str) -> None:
    assert _get(bench, bench.tokens.make(alg=alg)).status_code == 200


def test_an_issuer_with_keys_at_its_url_is_accepted(bench: Bench) -> None:
    assert _get(bench, bench.tokens.make(iss=ISS_URL)).status_code == 200


def test_a_jku_on_the_issuers_list_is_used(bench: Bench) -> None:
    token = bench.tokens.make(iss=ISS_URL, kid="rotated", key=bench.tokens.keys.rotated,
                              headers={"jku": f"{bench.fhir_url}/jwks/rotated"})
    assert _get(bench, token).status_code == 200


def test_aud_may_be_a_list_holding_the_url_called(bench: Bench) -> None:
    token = bench.tokens.make(aud=["https://other.example.test", bench.url + DISCOVERY])
    assert _get(bench, token).status_code == 200


def test_no_token(bench: Bench) -> None:
    _refused(_get(bench, None), "no Authorization header")


def test_not_a_bearer_token(bench: Bench) -> None:
    _refused(_get(bench, bench.tokens.make(), scheme="Basic"), "not a Bearer token")


def test_a_malformed_token(bench: Bench) -> None:
    _refused(_get(bench, "not.a.jwt"), "malformed token")


def test_alg_none_is_refused(bench: Bench) -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'es384'})}.{_b64(_claims(bench))}."
    _refused(_get(bench, token), "algorithm 'none' not accepted")


def test_key_confusion_hs384_signed_with_the_public_key_is_refused(bench: Bench) -> None:
    public = bench.tokens.keys.rs384.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS384", "typ": "JWT", "kid": "rs384"}
    signing = f"{_b64(header)}.{_b64(_claims(bench))}".encode()
    import hashlib
    import hmac

    mac = hmac.new(public, signing, hashlib.sha384).digest()
    token = f"{signing.decode()}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    _refused(_get(bench, token), "algorithm 'HS384' not accepted")


def test_an_ec_header_on_an_rsa_key_is_refused(bench: Bench) -> None:
    # ES384 in the header, the kid of the RSA key: the key does not fit the algorithm
    _refused(_get(bench, bench.tokens.make(alg="ES384", kid="rs384")),
             "key type 'RSA' does not fit ES384")


def test_a_curve_that_does_not_fit_the_algorithm_is_refused(bench: Bench) -> None:
    _refused(_get(bench, bench.tokens.make(alg="ES384", kid="es256")),
             "curve 'P-256' does not fit ES384")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_an_rsa_key_shorter_than_2048_bits_is_refused(bench: Bench) -> None:
    _refused(_get(bench, bench.tokens.make(alg="RS384", kid="short",
                                           key=bench.tokens.keys.short_rsa)),
             "RSA key shorter than 2048 bits")


def test_an_issuer_not_on_the_allow_list(bench: Bench) -> None:
    _refused(_get(bench, bench.tokens.make(iss="https://evil.example.test")),
             "not on the allow-list")


def test_a_signature_by_another_key(bench: Bench) -> None:
    _refused(_get(bench, bench.tokens.make(key=bench.tokens.keys.attacker)),
             "InvalidSignatureError")


def test_an_unknown_kid(bench: Bench) -> None:
    _refused(_get(bench, bench.tokens.make(kid="nobody")), "kid 'nobody' not in")


def test_a_jku_not_on_the_issuers_list_is_never_fetched(bench: Bench) -> None:
    # the attacker's JWK Set holds their key under the kid "es384": never fetched, never used
    bench.fhir.reset()
    token = bench.tokens.make(key=bench.tokens.keys.attacker,
                              headers={"jku": f"{bench.fhir_url}/jwks/attacker"})
    _refused(_get(bench, token), f"is not on {ISS}'s list")
    token = bench.tokens.make(iss=ISS_URL, key=bench.tokens.keys.attacker,
                              headers={"jku": f"{bench.fhir_url}/jwks/attacker"})
    _refused(_get(bench, token), f"is not on {ISS_URL}'s list")
    assert not any("attacker" in path for path, _, _ in bench.fhir.requests)


def test_an_embedded_jwk_is_never_used(bench: Bench) -> None:
    from jwt.algorithms import ECAlgorithm

    jwk = ECAlgorithm.to_jwk(bench.tokens.keys.attacker.public_key(), as_dict=True)
    _refused(_get(bench, bench.tokens.make(key=bench.tokens.keys.attacker,
                                           headers={"jwk": jwk})), "InvalidSignatureError")


def test_the_audience_of_another_endpoint(bench: Bench) -> None:
    _refused(_get(bench, bench.tokens.make(aud=bench.url + "/cds-services/plexodose-order-sign")),
             "InvalidAudienceError")
    _refused(_get(bench, bench.tokens.make(aud="https://cds.example.test/cds-services")),
             "InvalidAudienceError")


def test_an_expired_token(bench: Bench) -> None:
    now = int(time.time())
    _refused(_get(bench, bench.tokens.make(iat=now - 200, exp=now - 100)),  # skew 60 s
             "ExpiredSignatureError")


def test_a_token_issued_in_the_future(bench: Bench) -> None:
    now = int(time.time())
    _refused(_get(bench, bench.tokens.make(iat=now + 200, exp=now + 260)),
             "ImmatureSignatureError")


def test_a_lifetime_longer_than_allowed(bench: Bench) -> None:
    now = int(time.time())
    _refused(_get(bench, bench.tokens.make(iat=now, exp=now + 3600)),  # at most 300 s
             "lifetime 3600 s above the allowed 300 s")


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "iat", "jti"])
def test_a_required_claim_missing(bench: Bench, claim: str) -> None:
    reason = "not on the allow-list" if claim == "iss" else "MissingRequiredClaimError"
    _refused(_get(bench, bench.tokens.make(drop=(claim,))), reason)


def test_times_that_are_not_numbers(bench: Bench) -> None:
    now = int(time.time())
    _refused(_get(bench, bench.tokens.make(exp=str(now + 60))), "exp is not a number")


def test_a_replayed_token(bench: Bench) -> None:
    token = bench.tokens.make()
    assert _get(bench, token).status_code == 200
    _refused(_get(bench, token), "jti already used (replay)")


def test_a_typ_other_than_jwt_and_a_critical_header(bench: Bench) -> None:
    _refused(_get(bench, bench.tokens.make(headers={"typ": "at+jwt"})), "typ is not JWT")
    _refused(_get(bench, bench.tokens.make(headers={"crit": ["exp"]})),
             "critical")


def test_a_service_call_needs_the_services_own_audience(bench: Bench) -> None:
    path = "/cds-services/plexodose-order-sign"
    body = {"hook": "order-sign"}
    response = bench.post(path, body, token=bench.tokens.header(DISCOVERY))
    _refused(response, "InvalidAudienceError")
    # the right audience gets past the door (and then the body is refused: 400, not 401)
    assert bench.post(path, body).status_code == 400


def test_every_refusal_is_logged_with_its_reason_and_no_token(
        bench: Bench) -> None:
    token = bench.tokens.make(kid="nobody")
    response = _get(bench, token)
    # the line is written just after the response has gone: wait for it (a loaded machine
    # reads the response first)
    (line,) = set(_lines(response.headers["x-request-id"]))  # one line (caplog keeps copies)
    assert "401" in line and "kid 'nobody'" in line
    assert token not in line and token.split(".")[1] not in line


def test_a_bad_signature_is_not_a_5xx_whatever_the_bytes(bench: Bench) -> None:
    head, body, _ = bench.tokens.make().split(".")
    for signature in ("", "AAAA", "!!!!", "x" * 5000):
        _refused(_get(bench, f"{head}.{body}.{signature}"), "malformed token",
                 "InvalidSignatureError")


def test_pyjwt_is_not_asked_for_a_symmetric_algorithm(bench: Bench) -> None:
    # the configuration's list holds public-key algorithms only
    assert not any(a.startswith("HS") or a == "none" for a in bench.config.algorithms)
    assert jwt.get_unverified_header(bench.tokens.make())["alg"] == "ES384"
