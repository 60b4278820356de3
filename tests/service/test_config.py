"""The service's configuration file, and what importing plexodose does not load."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from plexodose.service.app import _check_server
from plexodose.service.auth import Caller
from plexodose.service.config import ConfigError, Issuer, config_from_dict, load_config
from plexodose.service.shapes import BadInput


def test_a_full_configuration_is_read(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "service.toml"
    path.write_text("""
[service]
url = "https://cds.example.org/plexodose"
max_body_bytes = 200000

[auth]
skew_seconds = 30
algorithms = ["ES384", "RS384"]

[fhir]
total_timeout_seconds = 4.5

[feedback]
database = "data/feedback.sqlite3"
keep_comments = true

[[issuers]]
iss = "https://ehr.example.org"
jwks_file = "keys/ehr.json"
fhir_servers = ["https://ehr.example.org/fhir"]

[[issuers]]
iss = "https://other.example.org"
jwks_url = "https://other.example.org/jwks"
jku = ["https://other.example.org/jwks-next"]
""", encoding="utf-8")
    config = load_config(path)
    assert config.endpoint("/cds-services/x") == "https://cds.example.org/plexodose/cds-services/x"
    assert (config.max_body_bytes, config.skew_seconds, config.algorithms) == (
        200_000, 30, ("ES384", "RS384"))
    assert config.fhir_total_timeout_seconds == 4.5 and config.keep_comments
    assert config.feedback_database == tmp_path / "data" / "feedback.sqlite3"
    assert config.issuers == (
        Issuer(iss="https://ehr.example.org", jwks_file=tmp_path / "keys" / "ehr.json",
               fhir_servers=("https://ehr.example.org/fhir",)),
        Issuer(iss="https://other.example.org",
               jwks_urls=("https://other.example.org/jwks", "https://other.example.org/jwks-next")))


@pytest.mark.parametrize(("data", "words"), [
    ({"servce": {}}, "unknown section [servce]"),
    ({"service": {"port": 80}}, "unknown setting service.port"),
    ({"service": {"url": "cds.example.org"}}, "service.url must be an absolute"),
    ({"service": {"max_body_bytes": 1.5}}, "service.max_body_bytes must be a whole number"),
    ({"auth": {"skew_seconds": 3600}}, "auth.skew_seconds 3600 is outside 0-300"),
    ({"auth": {"algorithms": ["HS256"]}}, "(none and HMAC are refused by CDS Hooks)"),
    ({"fhir": {"allow_http": "yes"}}, "fhir.allow_http must be true or false"),
    ({"issuers": [{"jwks_file": "k.json"}]}, "issuers[0].iss is required"),
    ({"issuers": [{"iss": "a"}]}, "issuers[0] needs jwks_file"),
    ({"issuers": [{"iss": "a", "jwks_url": "http://a.example/jwks"}]},
     "issuers[0].jwks_url must be an absolute https URL"),
    ({"issuers": [{"iss": "a", "jwks_file": "k"}, {"iss": "a", "jwks_file": "k"}]},
     "issuers[1].iss 'a' is listed twice"),
])
def test_a_setting_that_cannot_be_used_is_refused_by_name(data: dict[str, object],
                                                          words: str) -> None:
    with pytest.raises(ConfigError) as refused:
        config_from_dict(data)
    assert words in str(refused.value)


def test_a_file_that_is_not_toml_or_missing(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[service\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_an_issuer_names_the_fhir_servers_it_may_send_the_service_to() -> None:
    config = config_from_dict({"issuers": [{"iss": "a", "jwks_file": "k",
                                            "fhir_servers": ["https://ehr.example.org/fhir"]}]})
    caller = Caller(iss="a", jti="j")
    _check_server(config, caller, "https://ehr.example.org/fhir/")
    for elsewhere in ("https://ehr.example.org/other", "https://ehr.example.org.evil.net/fhir",
                      "http://ehr.example.org/fhir", "https://10.0.0.1/fhir"):
        with pytest.raises(BadInput) as refused:
            _check_server(config, caller, elsewhere)
        assert refused.value.path == "fhirServer"


def test_import_plexodose_loads_none_of_the_service() -> None:
    code = ("import sys, plexodose, plexodose.service, plexodose.cli; "
            "from plexodose.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'httpx', 'jwt') "
            "if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"
