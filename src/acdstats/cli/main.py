"""The `acdstats` command: a Click group; each module below adds its commands."""

from __future__ import annotations

import click

from acdstats.cli import accounts, data, demo, names, server, simulate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="acdstats")
def main() -> None:
    """acdstats: contact-center operator statistics over the Voximplant Management API."""


for module in (data, accounts, server, demo, names, simulate):
    for command in module.COMMANDS:
        main.add_command(command)
