"""The `acdstats` command: a Click group whose commands are imported only when they run.

A command's module (and the database, HTTP and crypto libraries behind it) is imported when
that command is invoked, so `acdstats --help` and `acdstats query` start at once. The table
below names each command's module and its one-line help (a test holds both to the modules'
COMMANDS lists and docstrings).
"""

from __future__ import annotations

import importlib

import click

# name -> (module whose COMMANDS list has it, the help line `acdstats --help` shows)
COMMAND_MODULES: dict[str, tuple[str, str]] = {
    "account": ("acdstats.cli.accounts", "Accounts (tenants)."),
    "backup": (
        "acdstats.cli.backup",
        "A consistent snapshot of the whole database, also while `acdstats serve` runs.",
    ),
    "demo": (
        "acdstats.cli.demo",
        "Simulate 30 days of a 50-operator center (first run), then serve it over TLS.",
    ),
    "import": (
        "acdstats.cli.data",
        "Import events or offer records (JSONL, CSV, Asterisk queue_log, PBXware CSV).",
    ),
    "key": ("acdstats.cli.accounts", "Service-account keys."),
    "names": (
        "acdstats.cli.names",
        "List the ids that queue_log imports gave to queue and agent names.",
    ),
    "query": (
        "acdstats.cli.data",
        "Run a platform_api METHOD on the database; print the JSON the server would answer.",
    ),
    "rebuild": ("acdstats.cli.data", "Re-derive every offer of an account from the raw events."),
    "restore": (
        "acdstats.cli.backup",
        "Make a new database file from a backup folder (never overwrites a file).",
    ),
    "serve": (
        "acdstats.cli.server",
        "Serve platform_api (and the OpenAPI document at /openapi.json).",
    ),
    "simulate": (
        "acdstats.cli.simulate",
        "Simulate a contact center: queues, skilled operators on shifts, callers, breaks.",
    ),
    "token": ("acdstats.cli.accounts", "Print a signed JWT for the key (for curl and scripts)."),
}


def load_command(name: str) -> click.Command:
    """The command object, importing its module."""
    module = importlib.import_module(COMMAND_MODULES[name][0])
    commands: list[click.Command] = module.COMMANDS
    return next(command for command in commands if command.name == name)


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMAND_MODULES else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMAND_MODULES[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="acdstats")
def main() -> None:
    """acdstats: contact-center operator statistics over the Voximplant Management API."""
