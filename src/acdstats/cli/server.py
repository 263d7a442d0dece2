"""`acdstats serve`: the platform_api server, over HTTP or TLS, run by uvicorn."""

from __future__ import annotations

import logging
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from acdstats.cli.options import now_option, status_detail_option
from acdstats.config import Settings, load_settings
from acdstats.errors import DatabaseDamaged, DatabaseLocked

if TYPE_CHECKING:
    import uvicorn

    from acdstats.web.state import ServerState


TLS_READ_BUFFER_BYTES = 32 * 1024


@click.command()
@click.option("--db", "db_path", default=None, help="Database file (default: $ACDSTATS_DB).")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default 8080).")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--clock-skew-s", type=click.IntRange(min=0), default=None)
@click.option("--max-records", type=click.IntRange(min=1), default=None)
@click.option("--user-id-as-number", is_flag=True, default=None)
@click.option("--rate-limit", type=click.FloatRange(min=0), default=None, help="Req/s per key.")
@click.option(
    "--rate-burst",
    type=click.IntRange(min=0),
    default=None,
    help="Requests a key may send at once.",
)
@click.option(
    "--token-cache-size", type=click.IntRange(min=0), default=None, help="Verified tokens kept."
)
@click.option("--max-body-bytes", type=click.IntRange(min=1), default=None)
@click.option(
    "--max-batch-lines",
    type=click.IntRange(min=1),
    default=None,
    help="Events in one POST /events batch (default 100000).",
)
@click.option(
    "--metrics-allow",
    default=None,
    help="Networks that may read /metrics without a token (CIDRs, comma-separated; "
    "default loopback; empty: nobody).",
)
@click.option(
    "--shutdown-drain-s",
    type=click.FloatRange(min=0),
    default=None,
    help="On SIGTERM, refuse new batches (503) for this long before closing (default 0).",
)
@click.option(
    "--header-timeout-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds a request's headers may take, from the connection or its first byte "
    "(default 10; then 408 and close).",
)
@click.option(
    "--body-timeout-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds a request's body may take after its headers (default 60; then 408).",
)
@click.option(
    "--idle-timeout-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds an idle keep-alive connection stays open (default 5).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=None,
    help="Open connections (default 1000); one more is answered 503 and closed.",
)
@now_option
@status_detail_option
@click.option(
    "--service-level-thresholds",
    default=None,
    help="Service-level thresholds in seconds, ';'-separated, 1..3600 (default 20;30;60).",
)
@click.option(
    "--service-level-as-fraction",
    is_flag=True,
    default=None,
    help="Service levels as Voximplant's documented fraction (0.3333), not integer percents.",
)
def serve(**flags: object) -> None:
    """Serve platform_api (and the OpenAPI document at /openapi.json).

    Every option also reads ACDSTATS_<NAME> (e.g. ACDSTATS_PORT); --db reads ACDSTATS_DB.
    """
    import uvicorn

    from acdstats.web.app import create_app

    try:
        settings = load_settings(flags)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        app = create_app(settings)
    except (DatabaseLocked, DatabaseDamaged) as exc:
        raise click.ClickException(str(exc)) from None
    # uvicorn has no option for it: a TLS handshake may take as long as a request's headers
    # (asyncio's default is 60 s, during which the connection is not yet the protocol's).
    import asyncio.constants

    asyncio.constants.SSL_HANDSHAKE_TIMEOUT = settings.header_timeout_s
    # Nor for this: asyncio gives each TLS connection a 256 KiB read buffer (1,000 idle
    # connections: 280 MB resident); a TLS record is at most ~16 KiB.
    import asyncio.sslproto

    asyncio.sslproto.SSLProtocol.max_size = TLS_READ_BUFFER_BYTES
    scheme = "https" if settings.tls else "http"
    click.echo(
        f"acdstats: serving {settings.database} at {scheme}://{settings.host}:{settings.port}"
        f"/platform_api; the dashboard at {scheme}://{settings.host}:{settings.port}/",
        err=True,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = draining_server(uvicorn.Config(app, **uvicorn_options(settings)), app.state.server)
    server.run()
    if not server.started:
        sys.exit(3)  # uvicorn's start-up failure (e.g. the port is taken)


def draining_server(config: uvicorn.Config, state: ServerState) -> uvicorn.Server:
    """uvicorn's server with a graceful stop: on SIGTERM/SIGINT new batches get 503 at once
    (and /health fails) for shutdown_drain_s seconds; then uvicorn stops listening, lets the
    requests in flight finish (batches in the writer commit and are answered), and exits 0.
    """
    import uvicorn

    class DrainingServer(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            # Not uvicorn's handler: it re-raises the signal after shutdown, and a stop
            # that completed must exit 0.
            drain_s = state.settings.shutdown_drain_s
            if state.draining or drain_s <= 0:
                state.draining = True
                self.should_exit = True
                return
            state.draining = True
            timer = threading.Timer(drain_s, self._stop)
            timer.daemon = True
            timer.start()

        def _stop(self) -> None:
            self.should_exit = True

    return DrainingServer(config)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.run / uvicorn.Config keyword arguments for these settings."""
    from acdstats.web.connections import protocol_for

    return {
        "host": settings.host,
        "port": settings.port,
        "ssl_certfile": settings.tls_cert,
        "ssl_keyfile": settings.tls_key,
        "log_level": "info",
        "proxy_headers": False,
        # The access log is acdstats' own (web.telemetry): path without the query string.
        "access_log": False,
        "http": protocol_for(settings),
        "timeout_keep_alive": settings.idle_timeout_s,
    }


COMMANDS = [serve]
