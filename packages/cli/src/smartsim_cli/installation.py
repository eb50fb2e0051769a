"""What is installed: package versions, the server binary, the AI module and the ML backends."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from importlib import metadata

from smartsim.adapters.database.ai_module import resolve_ai_module
from smartsim.adapters.database.server_binary import resolve_server_binary
from smartsim.domain.errors import SSConfigError

PACKAGES = ("smartsim", "smartredis", "smartsim-cli")
# Backend name -> the Python module a worker imports for it.
BACKEND_MODULES = {
    "TORCH": "torch",
    "ONNX": "onnxruntime",
    "TF": "tensorflow",
    "TFLITE": "tflite_runtime",
}


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
    """Whether the backend's framework can be imported (found on the path, not loaded)."""
    return importlib.util.find_spec(BACKEND_MODULES[backend]) is not None


def backend_lines() -> list[Line]:
    lines = []
    for backend, module in BACKEND_MODULES.items():
        available = backend_available(backend)
        version = ""
        if available:
            distribution = "tflite-runtime" if module == "tflite_runtime" else module
            try:
                version = " " + metadata.version(distribution)
            except metadata.PackageNotFoundError:
                version = ""
        lines.append(
            Line(
                f"backend {backend}",
                f"available ({module}{version})" if available else f"not installed (python module {module})",
                ok=available,
            )
        )
    return lines
