"""Execution backends of the worker: one per framework, loaded only when the framework imports.

Nothing here imports a framework: the supervisor checks what is installed with
``importlib.util.find_spec`` (milliseconds), and a worker imports a framework the first time it
loads a model of that backend (seconds and about half a gigabyte for TensorFlow).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterator
from types import ModuleType

# Modules that can run each backend, preferred first, and the pip extra that installs the first.
PROVIDERS: dict[str, tuple[tuple[str, ...], str]] = {
    "TORCH": (("torch",), "smartsim[torch]"),
    "ONNX": (("onnxruntime",), "smartsim[onnx]"),
    "TF": (("tensorflow",), "smartsim[tf]"),
    # LiteRT is the interpreter's current home; tflite_runtime and tf.lite run the same models.
    "TFLITE": (("ai_edge_litert", "tflite_runtime", "tensorflow"), "smartsim[tflite]"),
}
# Backends this worker can execute.
SUPPORTED = ("TORCH", "ONNX", "TF", "TFLITE")


def framework_module(backend: str) -> str | None:
    """The first installed module that runs ``backend`` (None when none is installed)."""
    modules, _ = PROVIDERS[backend]
    return next((m for m in modules if importlib.util.find_spec(m) is not None), None)


def missing_framework_message(backend: str) -> str:
    modules, extra = PROVIDERS[backend]
    return f"backend {backend} needs {' or '.join(modules)}, which is not installed: pip install {extra}"


# Backend name -> (module to import, pip extra that provides it): the installed provider where
# there is one, so that ``find_spec(module)`` answers whether the backend can run.
FRAMEWORKS: dict[str, tuple[str, str]] = {
    name: (framework_module(name) or modules[0], extra) for name, (modules, extra) in PROVIDERS.items()
}


def is_available(backend: str) -> bool:
    """Whether the framework of ``backend`` is importable and this worker can run it."""
    return backend in SUPPORTED and framework_module(backend) is not None


def available_backends() -> list[str]:
    return [name for name in SUPPORTED if is_available(name)]


# Lines TensorFlow and LiteRT print to stderr whatever TF_CPP_MIN_LOG_LEVEL says: at import, and
# for every interpreter LiteRT creates.
_FRAMEWORK_NOISE = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
    "Created TensorFlow Lite XNNPACK delegate for CPU",
)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Keep TensorFlow's and LiteRT's start-up chatter out of the worker's log.

    They write through C++ before (or beside) Python's logging: TF_CPP_MIN_LOG_LEVEL silences most
    of it, the rest is filtered out of file descriptor 2 while the block runs (everything else
    written meanwhile is passed on).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [
                line
                for line in captured.read().decode(errors="replace").splitlines(keepends=True)
                if not any(noise in line for noise in _FRAMEWORK_NOISE)
            ]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def import_quietly(module: str) -> ModuleType:
    """Import a TensorFlow-family module without its start-up chatter (see ``quiet_stderr``)."""
    if module in sys.modules:
        return sys.modules[module]
    with quiet_stderr():
        return importlib.import_module(module)
