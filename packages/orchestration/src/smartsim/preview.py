"""Plain-text preview of what an experiment would launch (pure rendering)."""

from __future__ import annotations

from typing import Any

from .domain.ensemble import Ensemble
from .domain.model import Model
from .domain.orchestrator import Orchestrator


def _model_lines(model: Model, verbosity: str, indent: str = "  ") -> list[str]:
    lines = [
        f"{indent}Model: {model.name}",
        f"{indent}  Path: {model.path}",
        f"{indent}  Executable: {model.run_settings.exe}",
        f"{indent}  Arguments: {' '.join(model.run_settings.exe_args) or '-'}",
    ]
    if model.params:
        lines.append(f"{indent}  Parameters: " + ", ".join(f"{k}={v}" for k, v in model.params.items()))
    lines.append(f"{indent}  Key prefixing: {'on' if model.query_key_prefixing() else 'off'}")
    if model.incoming_entities:
        lines.append(f"{indent}  Reads keys of: " + ", ".join(e.name for e in model.incoming_entities))
    colocated = model.run_settings.colocated_db_settings
    if colocated:
        where = colocated.get("unix_socket") or f"127.0.0.1:{colocated['port']}"
        lines.append(f"{indent}  Colocated database: {where}")
    for entry in model.db_models:
        lines.append(f"{indent}  ML model: {entry.name} ({entry.backend} on {entry.device})")
    for script in model.db_scripts:
        lines.append(f"{indent}  Script: {script.name} (on {script.device})")
    if verbosity in ("debug", "developer"):
        lines.append(f"{indent}  Command: {' '.join(model.run_settings.command_line())}")
    return lines


def render_preview(experiment: Any, entities: list[Any], verbosity_level: str = "info") -> str:
    if verbosity_level not in ("info", "debug", "developer"):
        raise ValueError(f"verbosity_level must be info, debug or developer, not {verbosity_level!r}")
    lines = [
        f"Experiment: {experiment.name}",
        f"Path: {experiment.exp_path}",
        f"Launcher: {experiment.launcher}",
    ]
    for entity in entities:
        if isinstance(entity, Orchestrator):
            lines += [
                f"  Orchestrator: {entity.db_identifier}",
                f"    Shards: {entity.num_shards} ({'cluster' if entity.is_cluster else 'standalone'})",
                f"    Port: {entity.port or 'any free port'}",
                f"    Path: {entity.path}",
            ]
        elif isinstance(entity, Ensemble):
            lines.append(f"  Ensemble: {entity.name} ({len(entity)} members)")
            for member in entity:
                lines += _model_lines(member, verbosity_level, indent="    ")
        elif isinstance(entity, Model):
            lines += _model_lines(entity, verbosity_level)
    return "\n".join(lines)
