"""The HTTP side of every process: ``/metrics``, ``/healthz`` (liveness), ``/readyz`` (readiness).

Lifecycle: ``await server.start()`` binds ``host:port`` (port 0 = a free one, see
:attr:`HealthServer.port`); ``await server.stop()`` closes it. Liveness answers 200 while
the event loop runs; readiness answers 200 only while ``ready()`` returns True (e.g. the
sink has a Postgres connection and partitions assigned), 503 otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


class HealthServer:
    """A tiny aiohttp server for metrics and probes."""

    def __init__(self, host: str, port: int, ready: Callable[[], bool] = lambda: True) -> None:
        self.host = host
        self.port = port
        self.ready = ready
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        if server is not None and self.port == 0:
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        body = generate_latest()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _readyz(self, request: web.Request) -> web.Response:
        ok = self.ready()
        return web.json_response({"status": "ready" if ok else "not ready"}, status=200 if ok else 503)
