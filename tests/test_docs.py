"""The README's command table and settings stay true to the real CLI and Settings."""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

import click

from acdstats.cli.main import COMMAND_MODULES, load_command
from acdstats.config import Settings
from acdstats.services.key_methods import PARAMETERS as KEY_PARAMETERS
from acdstats.web.openapi import document

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _table_commands() -> set[str]:
    """Every command path the README's command table names (`key disable/enable/delete`...)."""
    section = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    named: set[str] = set()
    for row in re.findall(r"^\| (.+?) \|", section, flags=re.M):
        for cell in re.findall(r"`([a-z][a-z /-]*?)(?: [\[A-Z(-]|`)", row):
            words = cell.split()
            first = words[0]
            if len(words) > 1 and "/" in words[1]:
                named |= {f"{first} {sub}" for sub in words[1].split("/")}
            elif first in COMMAND_MODULES and len(words) > 1 and _is_group(first):
                named.add(f"{first} {words[1]}")
            else:
                named.add(first)
    return named


def _is_group(name: str) -> bool:
    return isinstance(load_command(name), click.Group)


def _real_commands() -> set[str]:
    paths: set[str] = set()
    for name in COMMAND_MODULES:
        command = load_command(name)
        if isinstance(command, click.Group):
            paths |= {f"{name} {sub}" for sub in command.commands}
        else:
            paths.add(name)
    return paths


def test_the_command_table_lists_every_command_and_no_other() -> None:
    assert _table_commands() == _real_commands()


def test_every_server_setting_is_a_serve_flag_and_documented() -> None:
    serve = load_command("serve")
    flags = {opt for param in serve.params for opt in getattr(param, "opts", [])}
    wanted = {
        field.name: "--db" if field.name == "db_path" else "--" + field.name.replace("_", "-")
        for field in dataclasses.fields(Settings)
    }
    assert [name for name, flag in wanted.items() if flag not in flags] == []
    undocumented = [flag for flag in wanted.values() if not re.search(rf"{flag}(?![a-z-])", README)]
    assert undocumented == []


def test_the_lazy_command_table_matches_the_modules() -> None:
    """Every module's COMMANDS are in the table, under the module and help line it gives."""
    modules = {module for module, _ in COMMAND_MODULES.values()}
    found = {
        command.name: (module, command.get_short_help_str(limit=200))
        for module in modules
        for command in importlib.import_module(module).COMMANDS
    }
    assert found == COMMAND_MODULES


API = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text()


def _section(title: str) -> str:
    """The text of docs/api.md under the heading that names `title`, to the next heading."""
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", API, flags=re.M | re.S)
    assert match is not None, f"docs/api.md has no section for {title}"
    return match.group(1)


def test_the_api_document_covers_every_served_method_and_parameter() -> None:
    served = document()["paths"]
    keys_table = _section("Key management")
    for path, operations in served.items():
        if not path.startswith("/platform_api/"):
            assert f"{next(iter(operations)).upper()} {path}" in API, path
            continue
        name = path.removeprefix("/platform_api/")
        if name in KEY_PARAMETERS:  # a row of the key-management table
            text = keys_table.split(f"`{name}`", 1)[1].split("\n", 1)[0]
        else:  # a section of its own
            text = _section(name)
        for parameter in operations["get"]["parameters"]:
            assert f"`{parameter['name']}`" in text, (name, parameter["name"])
