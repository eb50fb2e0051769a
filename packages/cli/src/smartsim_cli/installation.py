"""What is installed: package versions, the server binary, the AI module and the ML backends."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from smartsim.adapters.database.ai_module import resolve_ai_module
from smartsim.adapters.database.server_binary import resolve_server_binary
from smartsim.domain.errors import SSConfigError
from smartsim.server.worker.backends import PROVIDERS, framework_module

PACKAGES = ("smartsim", "smartredis", "smartsim-cli")


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    ok: bool = True


def package_lines() -> list[Line]:
    lines = []
    for name in PACKAGES:
        try:
            lines.append(Line(name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            lines.append(Line(name, "not installed", ok=False))
    return lines


def server_lines() -> list[Line]:
    try:
        binary = resolve_server_binary()
    except SSConfigError as err:
        return [Line("server", str(err), ok=False)]
    return [
        Line("server binary", binary.path),
        Line("server version", str(binary.version)),
        Line("server chosen by", binary.source),
    ]


def module_lines() -> list[Line]:
    try:
        return [Line("AI module", resolve_ai_module())]
    except SSConfigError as err:
        return [Line("AI module", str(err), ok=False)]


def backend_available(backend: str) -> bool:
    """Whether a framework that runs the backend can be imported (found on the path, not loaded)."""
    return framework_module(backend) is not None


def _distribution_version(module: str) -> str:
    """The version of the installed distribution that provides ``module`` (tensorflow may come as
    tensorflow-cpu, LiteRT as ai-edge-litert), or "" when unknown."""
    for distribution in metadata.packages_distributions().get(module, []):
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return ""


def backend_lines() -> list[Line]:
    lines = []
    for backend, (modules, extra) in PROVIDERS.items():
        module = framework_module(backend)
        if module is None:
            lines.append(
                Line(
                    f"backend {backend}",
                    f"not installed (python module {' or '.join(modules)}: pip install {extra})",
                    ok=False,
                )
            )
            continue
        version = _distribution_version(module)
        lines.append(Line(f"backend {backend}", f"available ({module}{' ' + version if version else ''})"))
    return lines
