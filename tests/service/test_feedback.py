"""Feedback kept in SQLite: each card's outcome stored before the answer, safe under concurrent
requests, still there after the process is killed, exported as CSV; ``plexodose serve`` itself."""

from __future__ import annotations

import concurrent.futures
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conftest import ISS, Bench, Keys, Tokens, free_port, validate
from plexodose.cli import main
from plexodose.service.feedback import rows

FEEDBACK = "/cds-services/plexodose-order-sign/feedback"
STAMP = "2027-01-16T09:30:00Z"


def _accepted(card: str = "4e0a3a1e-3283-4575-ab82-028d55fe2719") -> dict[str, Any]:
    return {"card": card, "outcome": "accepted",
            "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
            "outcomeTimestamp": STAMP}


def _overridden(card: str = "9368d37b-283f-44a0-93ea-547cebab93ed") -> dict[str, Any]:
    return {"card": card, "outcome": "overridden", "outcomeTimestamp": STAMP,
            "overrideReason": {"reason": {"system": "http://terminology.hl7.org/CodeSystem/"
                                          "v3-ActCode", "code": "2",
                                          "display": "Assessed Patient"},
                               "userComment": "Mr Smith's weight was checked today"}}


def _post(bench: Bench, *items: dict[str, Any]) -> httpx.Response:
    body = {"feedback": list(items)}
    validate("feedback", body)
    return bench.post(FEEDBACK, body)


def test_feedback_is_stored_with_its_outcome_and_reason(bench: Bench) -> None:
    before = len(rows(bench.config.feedback_database))
    response = _post(bench, _accepted(), _overridden())
    assert response.status_code == 200
    assert response.json() == {"stored": 2}
    found = rows(bench.config.feedback_database)[before:]
    accepted, overridden = found
    assert accepted["outcome"] == "accepted" and accepted["service"] == "plexodose-order-sign"
    assert json.loads(accepted["accepted_suggestions"]) == [
        "e56e1945-20b3-4393-8503-a1a20fd73152"]
    assert (overridden["override_code"], overridden["override_display"]) == (
        "2", "Assessed Patient")
    # the comment may name the patient: not kept unless the configuration says so
    assert (overridden["comment_given"], overridden["user_comment"]) == (1, None)
    assert overridden["issuer"] == ISS
    assert overridden["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(("item", "path"), [
    ({"outcome": "accepted", "outcomeTimestamp": STAMP}, "feedback[0].card"),
    (_accepted() | {"outcome": "ignored"}, "feedback[0].outcome"),
    ({k: v for k, v in _accepted().items() if k != "acceptedSuggestions"},
     "feedback[0].acceptedSuggestions"),
    (_accepted() | {"outcomeTimestamp": "yesterday"}, "feedback[0].outcomeTimestamp"),
    (_accepted() | {"overrideReason": {"userComment": "x"}}, "feedback[0].overrideReason"),
    (_overridden() | {"overrideReason": {"reason": {"code": "2"}}},
     "feedback[0].overrideReason.reason.system"),
])
def test_bad_feedback_names_the_field(bench: Bench, item: dict[str, Any], path: str) -> None:
    response = bench.post(FEEDBACK, {"feedback": [item]})
    assert response.status_code == 400
    assert response.json()["path"] == path


def test_feedback_for_an_unknown_service_or_empty_is_refused(bench: Bench) -> None:
    path = "/cds-services/nothing/feedback"
    assert bench.post(path, {"feedback": [_accepted()]}).status_code == 404
    assert bench.post(FEEDBACK, {"feedback": []}).json()["path"] == "feedback"


def test_concurrent_feedback_is_all_stored(bench: Bench) -> None:
    before = len(rows(bench.config.feedback_database))
    cards = [f"card-{n}" for n in range(24)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda c: _post(bench, _accepted(c)).status_code, cards))
    assert statuses == [200] * 24
    stored = rows(bench.config.feedback_database)[before:]
    assert sorted(r["card"] for r in stored) == sorted(cards)


def test_the_cli_exports_the_feedback_as_csv(bench: Bench, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    _post(bench, _overridden("=cmd|' /C calc'!A0"))
    assert main(["feedback", "--database", str(bench.config.feedback_database)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("id,received_at,service,card,outcome,accepted_suggestions,"
                        "override_system,override_code,override_display,comment_given,"
                        "user_comment,outcome_timestamp,issuer,request_id")
    assert any(",'=cmd|' /C calc'!A0,overridden," in line for line in lines)  # not a formula
    assert main(["feedback", "--database", "/nonexistent/feedback.sqlite3"]) == 2


# -- the service as a process: plexodose serve -----------------------------------------------------


def _config(folder: pathlib.Path, keys: Keys, port: int) -> pathlib.Path:
    (folder / "ehr-jwks.json").write_text(json.dumps(keys.jwks()), encoding="utf-8")
    path = folder / "service.toml"
    path.write_text(f"""
[service]
url = "http://127.0.0.1:{port}"

[feedback]
database = "feedback.sqlite3"

[[issuers]]
iss = "{ISS}"
jwks_file = "ehr-jwks.json"
""", encoding="utf-8")
    return path


def _serve(*args: str, cwd: pathlib.Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-m", "plexodose", "serve", *args], env=env,
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve ended: {process.communicate()}")
        try:
            httpx.get(url + "/cds-services", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("serve did not start in 30 s")


@pytest.fixture
def served(tmp_path: pathlib.Path, keys: Keys) -> Iterator[tuple[str, pathlib.Path,
                                                                   subprocess.Popen[str]]]:
    port = free_port()
    process = _serve("--config", str(_config(tmp_path, keys, port)), "--port", str(port))
    try:
        _wait(f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{port}", tmp_path, process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_feedback_acknowledged_survives_the_process_being_killed(
        served: tuple[str, pathlib.Path, subprocess.Popen[str]], keys: Keys) -> None:
    url, folder, process = served
    tokens = Tokens(keys, url)
    body = {"feedback": [_overridden("killed-card-1"), _accepted("killed-card-2")]}
    response = httpx.post(url + FEEDBACK, json=body, headers=tokens.header(FEEDBACK), timeout=10)
    assert response.status_code == 200
    os.kill(process.pid, signal.SIGKILL)  # right after the answer: no shutdown, no flush
    assert process.wait(timeout=10) == -signal.SIGKILL
    stored = rows(folder / "feedback.sqlite3")
    assert [(r["card"], r["outcome"]) for r in stored] == [
        ("killed-card-1", "overridden"), ("killed-card-2", "accepted")]


def test_serve_answers_only_a_signed_request(
        served: tuple[str, pathlib.Path, subprocess.Popen[str]], keys: Keys) -> None:
    url, _, _ = served
    assert httpx.get(url + "/cds-services", timeout=5).status_code == 401
    tokens = Tokens(keys, url)
    response = httpx.get(url + "/cds-services", headers=tokens.header(), timeout=5)
    assert response.status_code == 200 and "x-plexodose-dev-no-auth" not in response.headers


def test_dev_mode_answers_without_a_token_and_says_so_loudly(tmp_path: pathlib.Path) -> None:
    port = free_port()
    # the default feedback database is made in the working folder
    process = _serve("--dev-no-auth", "--port", str(port), cwd=tmp_path)
    try:
        _wait(f"http://127.0.0.1:{port}", process)
        response = httpx.get(f"http://127.0.0.1:{port}/cds-services", timeout=5)
        assert response.status_code == 200
        assert response.headers["x-plexodose-dev-no-auth"] == "true"
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "NO AUTHENTICATION" in err and "DEVELOPMENT MODE" in err


def test_dev_mode_is_refused_on_a_host_other_than_loopback(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--dev-no-auth", "--host", "0.0.0.0"]) == 2
    assert "loopback host only" in capsys.readouterr().err


def test_serve_without_issuers_is_refused(tmp_path: pathlib.Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(free_port())]) == 2
    assert "no issuers" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[service]\nmax_body_bytes = 10\n", encoding="utf-8")
    assert main(["serve", "--config", str(bad)]) == 2
    assert "service.max_body_bytes 10 is outside 1,024-50,000,000" in capsys.readouterr().err
