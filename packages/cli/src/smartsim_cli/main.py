"""The ``smartsim-cli`` command group."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict

import click

from smartsim.adapters import process_registry

from .installation import Line, backend_lines, module_lines, package_lines, server_lines


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Administer a SmartSim installation."""


def _print_section(title: str, lines: list[Line]) -> None:
    click.echo(title)
    width = max(len(line.label) for line in lines)
    for line in lines:
        click.echo(f"  {line.label.ljust(width)}  {line.value}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def info(as_json: bool) -> None:
    """Versions, the database server binary, the AI module and the ML backends.

    Exits with status 1 when no usable server binary or AI module is found.
    """
    sections = {
        "packages": package_lines(),
        "server": server_lines() + module_lines(),
        "backends": backend_lines(),
    }
    if as_json:
        click.echo(
            json.dumps({name: [asdict(line) for line in lines] for name, lines in sections.items()}, indent=2)
        )
    else:
        _print_section("Packages", sections["packages"])
        _print_section("Orchestrator", sections["server"])
        _print_section("ML backends (run by the inference workers)", sections["backends"])
    if not all(line.ok for line in sections["server"]):
        sys.exit(1)


@cli.command()
@click.option(
    "--exp-path",
    type=click.Path(file_okay=False),
    default=None,
    help="Only processes of the experiment at this path.",
)
@click.option("--all", "include_live", is_flag=True, help="Also end processes whose driver is still running.")
def teardown(exp_path: str | None, include_live: bool) -> None:
    """End processes (databases, models) left behind by drivers that are gone."""
    path = os.path.abspath(exp_path) if exp_path else None
    ended = process_registry.teardown(path, include_live_drivers=include_live)
    for entry in ended:
        click.echo(f"ended {entry.kind} {entry.name} (pid {entry.pid}) of {entry.experiment_path}")
    click.echo(f"{len(ended)} process(es) ended")


if __name__ == "__main__":  # pragma: no cover
    cli()
