"""Execution backends of the worker: one per framework, loaded only when the framework imports."""

from __future__ import annotations

import importlib.util

# Backend name -> (module to import, pip extra that provides it).
FRAMEWORKS: dict[str, tuple[str, str]] = {
    "TORCH": ("torch", "smartsim[torch]"),
    "ONNX": ("onnxruntime", "smartsim[onnx]"),
    "TF": ("tensorflow", "smartsim[tf]"),
    "TFLITE": ("tflite_runtime", "smartsim[tf]"),
}
# Backends this worker can execute (TF/TFLITE graphs are not run by this worker).
SUPPORTED = ("TORCH", "ONNX")


def is_available(backend: str) -> bool:
    """Whether the framework of ``backend`` is importable and this worker can run it."""
    if backend not in SUPPORTED:
        return False
    module, _ = FRAMEWORKS[backend]
    return importlib.util.find_spec(module) is not None


def available_backends() -> list[str]:
    return [name for name in SUPPORTED if is_available(name)]
