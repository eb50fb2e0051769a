"""ML models and scripts attached to an entity, loaded into its database before it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import SSUnsupportedError

MODEL_BACKENDS = ("TF", "TORCH", "ONNX", "TFLITE")


def _check_devices(device: str, devices_per_node: int, first_device: int) -> str:
    if not isinstance(device, str) or not device.upper().startswith(("CPU", "GPU")):
        raise ValueError(f"device must start with CPU or GPU, got {device!r}")
    upper = device.upper()
    if not isinstance(devices_per_node, int) or devices_per_node < 1:
        raise ValueError(f"devices_per_node must be a positive integer, got {devices_per_node!r}")
    if not isinstance(first_device, int) or first_device < 0:
        raise ValueError(f"first_device must be a non-negative integer, got {first_device!r}")
    if upper.startswith("CPU") and (devices_per_node > 1 or first_device > 0):
        raise SSUnsupportedError("Cannot set devices_per_node>1 or first_device>0 for CPU devices")
    if ":" in upper and devices_per_node > 1:
        raise ValueError(
            "Cannot set devices_per_node>1 for a numbered device such as GPU:1; use device='GPU'"
        )
    return upper


@dataclass(frozen=True)
class DBModel:
    name: str
    backend: str
    model: bytes | None = None
    model_path: str | None = None
    device: str = "CPU"
    devices_per_node: int = 1
    first_device: int = 0
    batch_size: int = 0
    min_batch_size: int = 0
    min_batch_timeout: int = 0
    tag: str = ""
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        name: str,
        backend: str,
        model: bytes | None,
        model_path: str | None,
        device: str,
        devices_per_node: int,
        first_device: int,
        batch_size: int,
        min_batch_size: int,
        min_batch_timeout: int,
        tag: str,
        inputs: list[str] | str | None,
        outputs: list[str] | str | None,
    ) -> DBModel:
        if not isinstance(name, str) or not name:
            raise ValueError("A model attached to an entity needs a non-empty name")
        upper = backend.upper() if isinstance(backend, str) else ""
        if upper not in MODEL_BACKENDS:
            raise ValueError(f"Backend {backend!r} is not supported; use one of {', '.join(MODEL_BACKENDS)}")
        if (model is None) == (model_path is None):
            raise ValueError("Give exactly one of model (bytes) or model_path")
        if model is not None and not isinstance(model, (bytes, bytearray)):
            raise TypeError(f"model must be bytes, got {type(model).__name__}")
        return cls(
            name,
            upper,
            bytes(model) if model is not None else None,
            model_path,
            _check_devices(device, devices_per_node, first_device),
            devices_per_node,
            first_device,
            batch_size,
            min_batch_size,
            min_batch_timeout,
            tag,
            [inputs] if isinstance(inputs, str) else list(inputs or []),
            [outputs] if isinstance(outputs, str) else list(outputs or []),
        )

    @property
    def in_memory(self) -> bool:
        return self.model is not None


@dataclass(frozen=True)
class DBScript:
    name: str
    script: str | None = None
    script_path: str | None = None
    function: Callable[..., Any] | None = None
    device: str = "CPU"
    devices_per_node: int = 1
    first_device: int = 0

    @classmethod
    def create(
        cls,
        name: str,
        script: str | None,
        script_path: str | None,
        function: Any,
        device: str,
        devices_per_node: int,
        first_device: int,
    ) -> DBScript:
        if not isinstance(name, str) or not name:
            raise ValueError("A script attached to an entity needs a non-empty name")
        given = [value is not None for value in (script, script_path, function)]
        if sum(given) != 1:
            raise ValueError("Give exactly one of script (source text), script_path or function")
        if function is not None and not (callable(function) or isinstance(function, str)):
            raise TypeError("function must be a callable or TorchScript source text")
        if isinstance(function, str):
            script, function = function, None
        return cls(
            name,
            script,
            script_path,
            function,
            _check_devices(device, devices_per_node, first_device),
            devices_per_node,
            first_device,
        )

    @property
    def in_memory_function(self) -> bool:
        return self.function is not None
