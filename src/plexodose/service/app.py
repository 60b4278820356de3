"""The ASGI application: discovery, the two services and their feedback endpoint (Starlette).

Every request gets an id (``X-Request-ID`` on the response, and on its one log line); every
answer is JSON. A refusal is short: 400 (the request's shape), 401 (the token: no detail), 404,
405, 412 (the patient or weight could not be had), 413 (too large), 415 (not JSON), 422 (a FHIR
resource that does not validate), with the path of the field at fault; an unexpected error is a
500 that says only that, with the request id. The log holds the method, the path, the status,
the time, and for a hook the number of orders and cards and the verdicts: never a value of the
patient's, the tokens, or the body.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plexodose.service import hooks, shapes
from plexodose.service.auth import Busy, Caller, Unauthorized, Verifier
from plexodose.service.config import Config
from plexodose.service.feedback import FeedbackStore, Item
from plexodose.service.fetch import under
from plexodose.service.shapes import BadInput, Precondition

log: logging.Logger = logging.getLogger("plexodose.service")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
MAX_FEEDBACK = 100
DEV_WARNING = ("plexodose service in DEVELOPMENT MODE (--dev-no-auth): NO AUTHENTICATION, any "
               "caller is answered. Never expose this to a network or use it with real "
               "patients.")


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, headers=headers,
                    media_type="application/json")


def refusal(request: Request, status: int, message: str, path: str | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"error": message}
    if path is not None:
        body["path"] = path
    body["request_id"] = request.state.request_id
    return reply(body, status, headers)


class Shared:
    """What the endpoints share: the configuration, the token check, the feedback store and
    the HTTP client for JWK Sets and FHIR servers."""

    def __init__(self, config: Config) -> None:
        self.config: Config = config
        self.client: httpx.AsyncClient = httpx.AsyncClient(follow_redirects=False, trust_env=False,
                                        limits=httpx.Limits(max_connections=50))
        self.verifier: Verifier = Verifier(config, self.client)
        self.store: FeedbackStore = FeedbackStore(config.feedback_database, keep_comments=config.keep_comments)

    async def caller(self, request: Request, *audiences: str) -> Caller | None:
        """The verified caller (None in development mode); :class:`Unauthorized` otherwise."""
        if self.config.dev_no_auth:
            return None
        return await self.verifier.verify(request.headers.get("authorization"),
                                          tuple(self.config.endpoint(a) for a in audiences))


async def _body(request: Request, limit: int) -> Any:
    """The request's JSON body, refusing more than ``limit`` bytes, another type, or bad JSON."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise BadInput("the body must be JSON (Content-Type: application/json)", "$", 415)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BadInput(f"the body is larger than {limit:,} bytes", "$", 413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BadInput(f"the body is larger than {limit:,} bytes", "$", 413)
    try:
        return json.loads(bytes(body), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(
            exc, json.JSONDecodeError) else ""
        raise BadInput(f"the body is not JSON{where}", "$") from None
    except RecursionError:
        raise BadInput("the body is nested too deeply", "$") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def _guard(request: Request, work: Callable[[Shared], Awaitable[Response]]) -> Response:
    """Run ``work``; turn the service's refusals into their short JSON answers."""
    service: Shared = request.app.state.service
    try:
        return await work(service)
    except Unauthorized as exc:
        request.state.log["auth"] = str(exc)[:200]
        return refusal(request, 401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
    except Busy:
        return refusal(request, 503, "busy: try again shortly", headers={"Retry-After": "5"})
    except BadInput as exc:
        return refusal(request, exc.status, exc.message, exc.path)
    except Precondition as exc:
        return refusal(request, 412, str(exc), exc.path)


async def discovery(request: Request) -> Response:
    async def work(service: Shared) -> Response:
        await service.caller(request, "/cds-services")
        return reply(hooks.discovery())
    return await _guard(request, work)


async def call_service(request: Request) -> Response:
    service_id = request.path_params["service_id"]

    async def work(service: Shared) -> Response:
        caller = await service.caller(request, f"/cds-services/{service_id}")
        found = hooks.SERVICES.get(service_id)
        if found is None:
            raise BadInput("no such service (see GET /cds-services)", "$", 404)
        body = await _body(request, service.config.max_body_bytes)
        call = hooks.parse(body, found, service.config)
        _check_server(service.config, caller, call.fhir_server)
        from plexodose.service import answer  # the screen and its readers: loaded when used

        response, summary = await answer.respond(call, service.config, service.client)
        request.state.log.update(summary)
        return reply(response)
    return await _guard(request, work)


def _check_server(config: Config, caller: Caller | None, server: str | None) -> None:
    if server is None or caller is None:
        return
    issuer = config.issuer(caller.iss)
    if issuer is not None and issuer.fhir_servers and not any(
            under(allowed, server) for allowed in issuer.fhir_servers):
        raise BadInput("is not a FHIR server this issuer may name (see fhir_servers in the "
                       "service's configuration)", "fhirServer")


async def feedback(request: Request) -> Response:
    service_id = request.path_params["service_id"]

    async def work(service: Shared) -> Response:
        caller = await service.caller(request, f"/cds-services/{service_id}/feedback",
                                      f"/cds-services/{service_id}")
        if service_id not in hooks.SERVICES:
            raise BadInput("no such service (see GET /cds-services)", "$", 404)
        items = feedback_items(await _body(request, service.config.max_body_bytes))
        stored = await anyio.to_thread.run_sync(lambda: service.store.add(
            service_id, items, issuer=None if caller is None else caller.iss,
            request_id=request.state.request_id))
        request.state.log["feedback"] = stored
        return reply({"stored": stored})
    return await _guard(request, work)


def feedback_items(body: Any) -> list[Item]:
    """The feedback items of a feedback request (CDS Hooks 2.0, "Feedback"), checked."""
    data = shapes.obj(body, "$")
    if "feedback" not in data:
        raise BadInput("is required", "feedback")
    given = shapes.array(data["feedback"], "feedback", limit=MAX_FEEDBACK)
    if not given:
        raise BadInput("must hold at least one item", "feedback")
    items = []
    for index, raw in enumerate(given):
        where = f"feedback[{index}]"
        item = shapes.obj(raw, where)
        for key in ("card", "outcome", "outcomeTimestamp"):
            if key not in item:
                raise BadInput("is required", f"{where}.{key}")
        card = shapes.text(item["card"], f"{where}.card", limit=200)
        outcome = shapes.choice(item["outcome"], f"{where}.outcome", ("accepted", "overridden"))
        stamp = shapes.text(item["outcomeTimestamp"], f"{where}.outcomeTimestamp", limit=40)
        _timestamp(stamp, f"{where}.outcomeTimestamp")
        accepted: list[str] = []
        if outcome == "accepted":
            if "acceptedSuggestions" not in item:
                raise BadInput("is required for an accepted outcome",
                               f"{where}.acceptedSuggestions")
            for n, suggestion in enumerate(shapes.array(item["acceptedSuggestions"],
                                                        f"{where}.acceptedSuggestions", limit=20)):
                path = f"{where}.acceptedSuggestions[{n}]"
                accepted.append(shapes.text(shapes.obj(suggestion, path).get("id"), f"{path}.id",
                                            limit=200))
        elif "acceptedSuggestions" in item:
            raise BadInput("is only for an accepted outcome", f"{where}.acceptedSuggestions")
        system = code = display = comment = None
        if "overrideReason" in item:
            if outcome != "overridden":
                raise BadInput("is only for an overridden outcome", f"{where}.overrideReason")
            reason = shapes.obj(item["overrideReason"], f"{where}.overrideReason")
            if "reason" in reason:
                coding = shapes.obj(reason["reason"], f"{where}.overrideReason.reason")
                for key in ("code", "system"):
                    if key not in coding:
                        raise BadInput("is required", f"{where}.overrideReason.reason.{key}")
                code = shapes.text(coding["code"], f"{where}.overrideReason.reason.code",
                                   limit=200)
                system = shapes.text(coding["system"], f"{where}.overrideReason.reason.system",
                                     limit=500)
                if "display" in coding:
                    display = shapes.text(coding["display"],
                                          f"{where}.overrideReason.reason.display", limit=500)
            if "userComment" in reason:
                comment = shapes.text(reason["userComment"], f"{where}.overrideReason.userComment",
                                      limit=4000)
        items.append(Item(card=card, outcome=outcome, accepted_suggestions=tuple(accepted),
                          override_system=system, override_code=code, override_display=display,
                          user_comment=comment, outcome_timestamp=stamp))
    return items


def _timestamp(text: str, path: str) -> None:
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput("must be an ISO 8601 date-time such as 2027-01-16T09:30:00Z",
                       path) from None


async def _internal(request: Request, exc: Exception) -> Response:
    """A bug: "internal error" and the request id, nothing of the exception (its message may
    hold a patient's value); the middleware logs its type."""
    return refusal(request, 500, "internal error")


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = {404: "not found", 405: "method not allowed"}.get(status, "refused")
    headers = getattr(exc, "headers", None) or {}
    return refusal(request, status, message, headers=dict(headers))


class RequestLog:
    """ASGI middleware: the request id, one log line per request, and a bare 500 for a bug."""

    def __init__(self, app: Any, config: Config) -> None:
        self.app: Any = app
        self.config: Config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        fields: dict[str, Any] = {}
        scope.setdefault("state", {}).update(request_id=request_id, log=fields)
        started = time.perf_counter()
        status = 500
        sent = False
        extra = [(b"x-request-id", request_id.encode())]
        if self.config.dev_no_auth:
            extra.append((b"x-plexodose-dev-no-auth", b"true"))

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status, sent = message["status"], True
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            fields["error"] = type(exc).__name__
            if self.config.log_tracebacks:
                log.exception("%s internal error", request_id)
            if not sent:
                body = dumps({"error": "internal error", "request_id": request_id})
                await send({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()), *extra]})
                await send({"type": "http.response.body", "body": body})
            status = 500
        finally:
            took = (time.perf_counter() - started) * 1000
            path = repr(scope.get("path", ""))[1:-1][:200]
            detail = " ".join(f"{k}={v}" for k, v in fields.items())
            level = logging.WARNING if status >= 500 or "auth" in fields else logging.INFO
            log.log(level, "%s %s %s %d %.1fms %s", request_id, scope.get("method", ""), path,
                    status, took, detail)


def create_app(config: Config | None = None) -> Any:
    """The ASGI application for ``config`` (default: the file named by the environment variable
    ``PLEXODOSE_SERVICE_CONFIG``), for ``uvicorn --factory plexodose.service:create_app`` or a
    host's own server."""
    if config is None:
        import os

        from plexodose.service.config import ConfigError, load_config

        path = os.environ.get("PLEXODOSE_SERVICE_CONFIG")
        if not path:
            raise ConfigError("no configuration: set PLEXODOSE_SERVICE_CONFIG to the service's "
                              "TOML file (see docs/service.md)", field="config")
        config = load_config(path)
    if config.dev_no_auth:
        log.warning(DEV_WARNING)
    elif not config.issuers:
        from plexodose.service.config import ConfigError

        raise ConfigError("no issuers: add an [[issuers]] table (iss and jwks_file or jwks_url) "
                          "so that an EHR can be trusted, or use --dev-no-auth locally",
                          field="issuers")
    if not config.url:
        from plexodose.service.config import ConfigError

        raise ConfigError("service.url is needed: the URL the EHR calls (each token's aud)",
                          field="service.url")
    service = Shared(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await service.client.aclose()
            service.store.close()

    routes = [
        Route("/cds-services", discovery, methods=["GET"]),
        Route("/cds-services/{service_id}", call_service, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", feedback, methods=["POST"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: _not_found, Exception: _internal})
    app.state.service = service
    return RequestLog(app, config)

