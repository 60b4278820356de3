"""Reading what the EHR did not prefetch from the FHIR server it named, with its token.

Only the request's own ``fhirServer`` is called (and, when the issuer's configuration lists FHIR
servers, only one of those); a ``next`` page only when it is under that same base URL. Redirects
are never followed (a 3xx is a failure), every call has a connect and a read time-out and all of
a request's calls share one overall deadline; a response larger than the configured size is
dropped. A failure is a :class:`FetchError` whose reason names the key and the HTTP status or
the error's type, never the token.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from plexodose.service.config import Config

FHIR_JSON = "application/fhir+json"


class FetchError(Exception):
    """A prefetch key could not be read from the FHIR server; ``str()`` says why."""


def under(base: str, target: str) -> bool:
    """``target`` is on the server at ``base``: same scheme, host and port, below its path.

    >>> under("https://ehr.example.org/fhir", "https://ehr.example.org/fhir/Patient/1")
    True
    >>> under("https://ehr.example.org/fhir", "https://ehr.example.org.evil.net/fhir/Patient/1")
    False
    """
    root = httpx.URL(base.rstrip("/") + "/")
    url = httpx.URL(target)
    return (url.scheme, url.host, url.port) == (root.scheme, root.host, root.port) and (
        url.path.startswith(root.path))


class FhirClient:
    """One request's reads from its ``fhirServer`` with its bearer token."""

    def __init__(self, client: httpx.AsyncClient, config: Config, base: str, token: str) -> None:
        self.client: httpx.AsyncClient = client
        self.config: Config = config
        self.base: str = base.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": FHIR_JSON}

    async def read(self, key: str, query: str) -> tuple[Any, bool]:
        """(the JSON of ``query``, complete): a searchset's further pages are read up to the
        configured number; ``complete`` is False when more were left."""
        url = f"{self.base}/{query.lstrip('/')}"
        first = await self._get(key, url)
        if not (isinstance(first, dict) and first.get("resourceType") == "Bundle"):
            return first, True
        entries = list(first.get("entry") or [])
        page, pages = first, 1
        while (link := _next(page)) is not None:
            if pages >= self.config.fhir_max_pages:
                return {**first, "entry": entries}, False
            if not under(self.base, link):
                raise FetchError(f"{key}: the next page is not on the FHIR server named")
            page = await self._get(key, link)
            if not (isinstance(page, dict) and page.get("resourceType") == "Bundle"):
                raise FetchError(f"{key}: a next page that is not a Bundle")
            entries += list(page.get("entry") or [])
            pages += 1
        return {**{k: v for k, v in first.items() if k != "link"}, "entry": entries}, True

    async def _get(self, key: str, url: str) -> Any:
        config = self.config
        timeout = httpx.Timeout(config.fhir_read_timeout_seconds,
                                connect=config.fhir_connect_timeout_seconds)
        limit = config.fhir_max_response_bytes
        try:
            async with self.client.stream("GET", url, headers=self._headers, timeout=timeout,
                                          follow_redirects=False) as response:
                if response.status_code == 404:
                    return None
                if response.status_code != 200:
                    raise FetchError(f"{key}: HTTP {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise FetchError(f"{key}: response larger than {limit:,} bytes")
        except httpx.HTTPError as exc:
            raise FetchError(f"{key}: {type(exc).__name__}") from None
        try:
            return json.loads(bytes(body))
        except (ValueError, UnicodeDecodeError):
            raise FetchError(f"{key}: the response is not JSON") from None


def _next(bundle: dict[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else None
    return None


async def read_all(fhir: FhirClient, queries: dict[str, str], deadline: float
                   ) -> dict[str, tuple[Any, bool] | FetchError]:
    """Each key's (JSON, complete) or its FetchError, read concurrently within ``deadline`` s."""

    async def one(key: str, query: str) -> tuple[Any, bool] | FetchError:
        try:
            return await fhir.read(key, query)
        except FetchError as exc:
            return exc

    tasks = {key: asyncio.ensure_future(one(key, query)) for key, query in queries.items()}
    done, pending = await asyncio.wait(tasks.values(), timeout=deadline)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)  # let the cancelled reads close their connections
    return {key: task.result() if task in done else FetchError(f"{key}: overall time-out")
            for key, task in tasks.items()}
