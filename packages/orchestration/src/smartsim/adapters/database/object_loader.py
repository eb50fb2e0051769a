"""Loading attached ML models and scripts into a running database, through the client."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from typing import Any

from smartredis import Client

from ...domain.db_objects import DBModel, DBScript


def _model_bytes(entry: DBModel) -> bytes:
    if entry.model is not None:
        return entry.model
    assert entry.model_path is not None
    if not os.path.isfile(entry.model_path):
        raise FileNotFoundError(f"The file of model {entry.name} does not exist: {entry.model_path}")
    with open(entry.model_path, "rb") as handle:
        return handle.read()


def _script_source(entry: DBScript) -> str | None:
    if entry.script is not None:
        return entry.script
    if entry.script_path is not None:
        if not os.path.isfile(entry.script_path):
            raise FileNotFoundError(f"The file of script {entry.name} does not exist: {entry.script_path}")
        with open(entry.script_path) as handle:
            return handle.read()
    return None


def _multi_gpu(device: str, devices_per_node: int) -> bool:
    return device.startswith("GPU") and devices_per_node > 1


def load_objects(client: Client, models: Iterable[DBModel], scripts: Iterable[DBScript]) -> None:
    """Store every model and script (on every shard of a cluster; per GPU when asked)."""
    for entry in models:
        blob = _model_bytes(entry)
        options: dict[str, Any] = {
            "batch_size": entry.batch_size,
            "min_batch_size": entry.min_batch_size,
            "min_batch_timeout": entry.min_batch_timeout,
            "tag": entry.tag,
            "inputs": entry.inputs or None,
            "outputs": entry.outputs or None,
        }
        if _multi_gpu(entry.device, entry.devices_per_node):
            client.set_model_multigpu(
                entry.name, blob, entry.backend, entry.first_device, entry.devices_per_node, **options
            )
        else:
            client.set_model(entry.name, blob, entry.backend, entry.device, **options)
    for script in scripts:
        source = _script_source(script)
        multi = _multi_gpu(script.device, script.devices_per_node)
        if source is None:
            assert script.function is not None
            if multi:
                client.set_function_multigpu(
                    script.name, script.function, script.first_device, script.devices_per_node
                )
            else:
                client.set_function(script.name, script.function, script.device)
        elif multi:
            client.set_script_multigpu(script.name, source, script.first_device, script.devices_per_node)
        else:
            client.set_script(script.name, source, script.device)


def load_into(addresses: list[str], models: Iterable[DBModel], scripts: Iterable[DBScript]) -> None:
    """Open a client on the database at ``addresses`` and load the objects into it."""
    client = Client(cluster=len(addresses) > 1, address=",".join(addresses))
    load_objects(client, models, scripts)


def to_json(models: Iterable[DBModel], scripts: Iterable[DBScript]) -> dict[str, list[dict[str, Any]]]:
    """Objects as JSON (for a colocated launch; in-memory objects are refused before this)."""
    return {
        "db_models": [dataclasses.asdict(entry) for entry in models],
        "db_scripts": [
            {k: v for k, v in dataclasses.asdict(entry).items() if k != "function"} for entry in scripts
        ],
    }


def from_json(data: dict[str, list[dict[str, Any]]]) -> tuple[list[DBModel], list[DBScript]]:
    return (
        [DBModel(**entry) for entry in data.get("db_models", [])],
        [DBScript(**entry) for entry in data.get("db_scripts", [])],
    )
