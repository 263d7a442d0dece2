"""`acdstats demo`: set up a simulated contact center and serve it over TLS."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import click

from acdstats.cli.server import uvicorn_options
from acdstats.config import Settings


@click.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Where the database, key and certificates live (reused by the next run).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8443, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Processes that simulate days in parallel on the first run.",
)
def demo(folder: Path, host: str, port: int, workers: int) -> None:
    """Simulate 30 days of a 50-operator center (first run), then serve it over TLS."""
    import uvicorn

    from acdstats import demo as demo_setup
    from acdstats.web.app import create_app

    _check_port_free(host, port)
    started = time.monotonic()
    click.echo(f"acdstats demo: preparing {folder.resolve()} ...", err=True)
    prepared, made = demo_setup.prepare(folder, workers)
    verb = "made" if made else "reused"
    click.echo(f"acdstats demo: {verb} in {time.monotonic() - started:.1f} s", err=True)
    settings = Settings(
        db_path=str(prepared.db_path), host=host, port=port,
        tls_cert=str(prepared.tls.server_cert), tls_key=str(prepared.tls.server_key),
    )  # fmt: skip
    app = create_app(settings)
    click.echo(demo_setup.instructions(prepared, host, port))
    options = uvicorn_options(settings) | {"log_level": "warning"}
    uvicorn.run(app, **options)


def _check_port_free(host: str, port: int) -> None:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            raise click.ClickException(
                f"{host}:{port} is in use (another demo running?); choose one with --port"
            ) from None


COMMANDS = [demo]
