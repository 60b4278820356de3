"""Load benchmark of the CDS Hooks service (issue 22): ``order-sign`` with prefetch, N concurrent
clients for S seconds against one ``plexodose serve`` process on localhost. Not a test.

    python benchmarks/service_load.py                      # 100 clients, 10 s warm-up, 30 s
    python benchmarks/service_load.py --clients 20 --seconds 10
    python benchmarks/service_load.py --app floor-http     # the floors: see --app
    python benchmarks/service_load.py --profile 300 --top 0  # CPU a request, in process

Each request is a real one: a fresh ES384 token (new jti, 5 s lifetime), the example patient
prefetched (Patient, weight, height, creatinine, TPMT, labs, two past IV pulses) and three draft
orders (within, above the range, above an absolute limit: 5 cards). It prints throughput,
p50/p99/max latency, the errors (any status but 200, any failed connection) and the server's
resident memory after the warm-up, halfway and at the end. The service's replay cache keeps
each jti for its lifetime plus the skew (5 + 5 s here), so after the warm-up it no longer grows.
Target (issue 22): p99 under 50 ms on this machine class, no errors, no growth in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

import httpx
import jwt
import psutil
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "service"))
import fhir_data as data  # noqa: E402  (the end-to-end tests' example patient)

ISS = "https://ehr.example.test"
PATH = "/cds-services/plexodose-order-sign"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _write_config(folder: pathlib.Path, key: Any, url: str) -> pathlib.Path:
    """The service's configuration in ``folder``: ``url``, one issuer with ``key``'s JWK Set."""
    jwk = dict(ECAlgorithm.to_jwk(key.public_key(), as_dict=True)) | {"kid": "k1",
                                                                      "alg": "ES384"}
    (folder / "jwks.json").write_text(json.dumps({"keys": [jwk]}), encoding="utf-8")
    (folder / "service.toml").write_text(f"""
[service]
url = "{url}"

[auth]
skew_seconds = 5

[feedback]
database = "feedback.sqlite3"

[[issuers]]
iss = "{ISS}"
jwks_file = "jwks.json"
""", encoding="utf-8")
    return folder / "service.toml"


def _start(folder: pathlib.Path, key: Any, port: int, app: str) -> subprocess.Popen[bytes]:
    config = str(_write_config(folder, key, f"http://127.0.0.1:{port}"))
    given = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    # a PYTHONPATH given first (time another checkout, as bench.py), else this checkout's src
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*given, str(ROOT / "src"), *sys.path])}
    command = ([sys.executable, "-m", "plexodose", "serve", "--config", config, "--port",
                str(port), "--log-level", "warning"] if app == "full" else
               [sys.executable, __file__, "--serve-floor", app, "--config", config, "--port",
                str(port)])
    process = subprocess.Popen(command, env=env, cwd=folder)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/cds-services", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the service did not start")


def _serve_floor(kind: str, config_path: str, port: int) -> None:
    """A server doing only part of the work, with the options of ``plexodose serve``:
    ``floor-http`` reads the body and answers an empty card list (uvicorn, no framework);
    ``floor-jwt`` also verifies the token with the service's own verifier (ES384, the replay
    cache); ``floor-parse`` also parses the JSON body."""
    import uvicorn

    from plexodose.service.auth import Unauthorized, Verifier
    from plexodose.service.config import load_config

    config = load_config(config_path)
    verifier = Verifier(config)
    audience = (config.endpoint(PATH),)
    empty = b'{"cards":[]}'

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status = 200
        if scope["method"] == "POST" and kind in ("floor-jwt", "floor-parse"):
            token = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
            try:
                await verifier.verify(token, audience)
            except Unauthorized:
                status = 401
            if kind == "floor-parse":
                json.loads(body)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", b"%d" % len(empty))]})
        await send({"type": "http.response.body", "body": empty})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                server_header=False, date_header=True, lifespan="off")


def _token(key: Any, url: str) -> str:
    now = int(time.time())
    return jwt.encode({"iss": ISS, "aud": url + PATH, "iat": now, "exp": now + 5,
                       "jti": uuid.uuid4().hex}, key, algorithm="ES384",
                      headers={"kid": "k1", "typ": "JWT"})


def _profile(count: int, top: int) -> None:
    """``count`` requests through the ASGI application in this process (no HTTP server), each
    with its own token as the load sends it: the CPU a request, then cProfile's top functions
    by cumulative and by own time (with --top 0, the CPU alone, without the profiler)."""
    import cProfile
    import pstats

    from plexodose.service.app import create_app
    from plexodose.service.config import load_config

    url = "http://127.0.0.1:9"
    key = ec.generate_private_key(ec.SECP384R1())
    body = _body()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(load_config(_write_config(pathlib.Path(folder), key, url)))
        tokens = [_token(key, url) for _ in range(count + 20)]  # made before the clock starts

        async def call(token: str) -> None:
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                     "method": "POST", "scheme": "http", "path": PATH,
                     "raw_path": PATH.encode(), "query_string": b"", "root_path": "",
                     "headers": [(b"host", b"127.0.0.1:9"),
                                 (b"authorization", f"Bearer {token}".encode()),
                                 (b"content-type", b"application/json"),
                                 (b"content-length", str(len(body)).encode())],
                     "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 9)}
            messages = [{"type": "http.request", "body": body, "more_body": False}]
            status: list[int] = []

            async def receive() -> dict[str, Any]:
                return messages.pop() if messages else {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    status.append(message["status"])

            await app(scope, receive, send)
            if status != [200]:
                raise SystemExit(f"the service answered {status}")

        async def run() -> float:
            for token in tokens[:20]:  # warm-up: imports, caches
                await call(token)
            profiler = cProfile.Profile() if top else None
            started = time.process_time()
            if profiler is not None:
                profiler.enable()
            for token in tokens[20:]:
                await call(token)
            if profiler is not None:
                profiler.disable()
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(top)
                stats.sort_stats("tottime").print_stats(top)
            return time.process_time() - started

        took = asyncio.run(run())
    print(f"order-sign with prefetch in process, {count} requests: CPU {took / count * 1000:.2f} "
          f"ms a request{' (under cProfile)' if top else ''}")


def _server_kind() -> str:
    """What uvicorn's "auto" picks in this environment (httptools and uvloop when importable)."""
    import importlib.util

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"uvicorn {http}, {loop}"


def _body() -> bytes:
    orders = data.drafts(data.WITHIN, data.SOFT, data.HARD)
    return json.dumps(data.hook_request("order-sign", orders,
                                        prefetch_data=data.prefetch())).encode()


class Run:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.cards = 0
        self.measuring = False


class Connection:
    """One keep-alive HTTP/1.1 connection (asyncio streams): a client far lighter than a full
    library, so that the machine's cores go to the server being measured."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, token: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)


async def _client(port: int, key: Any, url: str, body: bytes, run: Run, stop: float) -> None:
    connection = Connection(port)
    while time.monotonic() < stop:
        token = _token(key, url)
        started = time.perf_counter()
        try:
            status, answer = await connection.post(PATH, body, token)
            took = time.perf_counter() - started
            name = "" if status == 200 else f"HTTP {status}"
            if not name and run.measuring:
                run.cards += len(json.loads(answer)["cards"])
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            took, name = time.perf_counter() - started, type(exc).__name__
            connection = Connection(port)
        if run.measuring:
            run.latencies.append(took)
            if name:
                run.errors[name] = run.errors.get(name, 0) + 1


async def _load(port: int, key: Any, clients: int, warmup: float, seconds: float,
                server: psutil.Process) -> tuple[Run, list[float], float, float, float]:
    """(the run, the server's RSS in MiB after the warm-up, halfway and at the end, the time
    measured, the server's and this client's CPU seconds over it)."""
    body = _body()
    run = Run()
    url = f"http://127.0.0.1:{port}"
    me = psutil.Process()
    start = time.monotonic()
    stop = start + warmup + seconds
    tasks = [asyncio.create_task(_client(port, key, url, body, run, stop))
             for _ in range(clients)]
    await asyncio.sleep(warmup)
    run.measuring = True
    measured = time.monotonic()
    cpu = (sum(server.cpu_times()[:2]), sum(me.cpu_times()[:2]))
    memory = [server.memory_info().rss / 2**20]
    await asyncio.sleep(seconds / 2)
    memory.append(server.memory_info().rss / 2**20)
    await asyncio.gather(*tasks)
    memory.append(server.memory_info().rss / 2**20)
    return (run, memory, time.monotonic() - measured,
            sum(server.cpu_times()[:2]) - cpu[0], sum(me.cpu_times()[:2]) - cpu[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--app", default="full",
                        choices=("full", "floor-http", "floor-jwt", "floor-parse"),
                        help="full: plexodose serve (default); floor-http: the HTTP server "
                        "alone; floor-jwt: and the token's check; floor-parse: and the JSON body")
    parser.add_argument("--profile", type=int, metavar="N",
                        help="instead of the load: N requests through the ASGI app in this "
                        "process, the CPU a request and cProfile's top functions")
    parser.add_argument("--top", type=int, default=40,
                        help="with --profile: how many functions to list (0: no profiler)")
    parser.add_argument("--serve-floor", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        _serve_floor(args.serve_floor, args.config, args.port)
        return
    if args.profile:
        _profile(args.profile, args.top)
        return
    key = ec.generate_private_key(ec.SECP384R1())
    port = _port()
    with tempfile.TemporaryDirectory() as folder:
        process = _start(pathlib.Path(folder), key, port, args.app)
        try:
            run, memory, took, server_cpu, client_cpu = asyncio.run(_load(
                port, key, args.clients, args.warmup, args.seconds,
                psutil.Process(process.pid)))
        finally:
            process.terminate()
            process.wait(30)
    times = sorted(run.latencies)
    p50 = statistics.median(times) * 1000
    p99 = times[int(len(times) * 0.99) - 1] * 1000
    what = "order-sign with prefetch" if args.app == "full" else f"{args.app} (not the service)"
    print(f"{what}, {args.clients} concurrent clients, {took:.1f} s after a "
          f"{args.warmup:g} s warm-up, one worker ({_server_kind()})")
    print(f"requests {len(times):,}  throughput {len(times) / took:,.0f}/s  "
          f"cards {run.cards:,}")
    print(f"latency p50 {p50:.1f} ms  p99 {p99:.1f} ms  max {times[-1] * 1000:.1f} ms")
    print(f"errors {sum(run.errors.values())} {run.errors or ''}")
    print(f"CPU over the run: server {server_cpu:.1f} s ({server_cpu / len(times) * 1000:.2f} ms "
          f"a request), load client {client_cpu:.1f} s; {psutil.cpu_count()} cores, load "
          f"average {os.getloadavg()[0]:.1f}")
    print("server RSS after warm-up, halfway, end: " + ", ".join(f"{m:.1f}" for m in memory)
          + f" MiB (growth {memory[-1] - memory[0]:+.1f} MiB)")
    target = p99 < 50 and not run.errors
    print("target p99 < 50 ms and no errors:", "PASS" if target else "FAIL")
    sys.exit(0 if target else 1)


if __name__ == "__main__":
    main()
