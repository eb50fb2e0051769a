"""Unit tests of the supervisor's argument handling."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from smartsim.server.worker import backends, supervisor
from smartsim.server.worker.supervisor import UsageError, normalize_device, resolve_backends

# Every module that can run TF or TFLITE models.
TENSORFLOW_FAMILY = ("tensorflow", "ai_edge_litert", "tflite_runtime")


def hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name in modules else real(name, *args)

    monkeypatch.setattr(backends.importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(supervisor.importlib.util, "find_spec", find_spec)


def test_default_backends_skip_missing_frameworks(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "onnxruntime", *TENSORFLOW_FAMILY)
    assert resolve_backends(None) == ["TORCH"]
    with pytest.raises(UsageError, match=r"pip install smartsim\[onnx\]"):
        resolve_backends("TORCH,ONNX")
    hide(monkeypatch, "onnxruntime", "torch", *TENSORFLOW_FAMILY)
    with pytest.raises(UsageError, match="no machine-learning framework"):
        resolve_backends(None)


def test_named_backends() -> None:
    assert resolve_backends("torch, onnx,TORCH") == ["TORCH", "ONNX"]
    with pytest.raises(UsageError, match="unknown backend"):
        resolve_backends("JAX")
    with pytest.raises(UsageError):
        resolve_backends(",")


@pytest.mark.parametrize(
    ("given", "expected"), [("cpu", "CPU"), ("gpu", "GPU"), ("GPU:1", "GPU:1"), ("cpu:0", "CPU:0")]
)
def test_devices(given: str, expected: str) -> None:
    assert normalize_device(given) == expected


@pytest.mark.parametrize("bad", ["TPU", "GPU:x", "", "GPU:"])
def test_bad_devices(bad: str) -> None:
    with pytest.raises(UsageError):
        normalize_device(bad)
