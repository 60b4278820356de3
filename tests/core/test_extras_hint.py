"""A missing extra's hint installs from where plexodose was installed (issue 21): a local
checkout (PEP 610 ``direct_url.json``: editable or not) or an index; anything unreadable falls
back to the index form. The distribution lookup is replaced by a fake one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from plexodose._core import extras

INDEX = 'pip install "plexodose[plot]"'


class FakeDistribution:
    """A distribution whose ``direct_url.json`` is ``text`` (None: the file is absent)."""

    def __init__(self, text: str | None) -> None:
        self.text = text

    def read_text(self, name: str) -> str | None:
        assert name == "direct_url.json"
        return self.text


def installed(monkeypatch: pytest.MonkeyPatch, direct_url: Any) -> None:
    text = direct_url if direct_url is None or isinstance(direct_url, str) else json.dumps(direct_url)
    monkeypatch.setattr(extras, "_distribution", lambda: FakeDistribution(text))


def missing_matplotlib() -> str:
    error = extras.missing_extra(ModuleNotFoundError("No module named 'matplotlib'",
                                                     name="matplotlib"), "plotting")
    assert isinstance(error, extras.MissingExtraError) and error.name == "matplotlib"
    return str(error)


def test_an_editable_checkout_gets_pip_install_e_of_its_path(monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, {"url": "file:///home/ana/plexodose", "dir_info": {"editable": True}})
    assert missing_matplotlib() == ('plotting needs the optional extra "plot": pip install -e '
                                    '"/home/ana/plexodose[plot]" (No module named \'matplotlib\')')


def test_a_checkout_installed_without_e_gets_its_path_without_e(
        monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, {"url": "file:///srv/plexodose%20src", "dir_info": {}})
    assert extras.install_hint("plot") == 'pip install "/srv/plexodose src[plot]"'  # %20: a space


def test_a_path_the_shell_would_expand_is_single_quoted(monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, {"url": "file:///tmp/a$b", "dir_info": {"editable": True}})
    assert extras.install_hint("batch") == "pip install -e '/tmp/a$b[batch]'"


@pytest.mark.parametrize("direct_url", [
    None,  # installed from an index: no direct_url.json
    {"url": "https://files.example.org/plexodose-0.3.0.whl", "archive_info": {}},  # an archive
    {"url": "file:///tmp/plexodose-0.3.0-py3-none-any.whl", "archive_info": {}},  # a local wheel
    {"url": "https://github.com/x/plexodose", "vcs_info": {"vcs": "git"}},  # a VCS URL
    {"url": "https://example.org/plexodose", "dir_info": {}},  # a directory not on this machine
    "{not json",
    "[]",
    {"dir_info": {"editable": True}},  # no url
    {"url": 7, "dir_info": {}},
    {"url": "file:///x", "dir_info": "editable"},
])
def test_anything_else_or_unreadable_gets_the_index_form(monkeypatch: pytest.MonkeyPatch,
                                                         direct_url: Any) -> None:
    installed(monkeypatch, direct_url)
    assert extras.install_hint("plot") == INDEX
    assert INDEX in missing_matplotlib()


def test_no_installed_distribution_gets_the_index_form(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    def absent() -> Any:
        raise metadata.PackageNotFoundError("plexodose")

    monkeypatch.setattr(extras, "_distribution", absent)
    assert extras.install_hint("plot") == INDEX


def test_the_cli_s_format_hint_installs_from_the_checkout_too(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from plexodose import cli

    installed(monkeypatch, {"url": "file:///work/co", "dir_info": {"editable": True}})

    class NoIcalendar:
        def to_ics(self, **whose: Any) -> str:
            raise ModuleNotFoundError("No module named 'icalendar'", name="icalendar")

    with pytest.raises(cli.CliError, match=r'pip install -e "/work/co\[ics\]"'):
        cli.render(NoIcalendar(), "ics")
