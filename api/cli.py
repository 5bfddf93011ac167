"""``oddsflow api``: serve the read API with uvicorn (plugged in via ``oddsflow.commands``).

uvicorn picks uvloop and httptools (dependencies) for its loop and HTTP parser; one process
(the shared tail and the subscriber limit are per process). The access log (``api.access_log``)
never shows an API key: ``?api_key=`` values are replaced by ``***``
(:class:`RedactKeys`); the ``X-API-Key`` header is not logged by uvicorn at all.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import click

from streams.cli.root import settings_with

_KEY = re.compile(r"(api_key=)[^&\s]*")


class RedactKeys(logging.Filter):
    """Replace the value of every ``api_key=`` in an access-log record's arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_KEY.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


def serve(settings: Any) -> None:
    import uvicorn

    from api.app import create_app

    logging.getLogger("uvicorn.access").addFilter(RedactKeys())
    uvicorn.run(
        create_app(settings),
        host=settings.api.host,
        port=settings.api.port,
        log_level=settings.log_level.lower(),
        access_log=settings.api.access_log,
        timeout_graceful_shutdown=5,
    )


@click.command("api")
@click.option("--host", default=None, help="Env: ODDS_API__HOST (127.0.0.1)")
@click.option("--port", type=int, default=None, help="Env: ODDS_API__PORT (8000)")
def api_command(host: str | None, port: int | None) -> None:
    """Serve the read API, the change stream (/stream) and the live page (/) until Ctrl-C."""
    serve(settings_with(api__host=host, api__port=port))
