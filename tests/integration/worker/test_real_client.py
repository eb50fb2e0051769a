"""The real SmartRedis 0.6.1 client's run_model / run_script / set_function against the worker."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from compat.real_client import RealClient, decode_array, put_tensor_op, real_client_python

from .conftest import Supervisor
from .models import SCRIPT, Double, torch_bytes

__all__ = ["real_client_python"]

pytestmark = pytest.mark.compat

FUNCTION_SOURCE = """
from __future__ import annotations

def scale_sum(a, rest: List[Tensor]):
    return a * 10 + torch.stack(rest).sum(dim=0)
"""


def test_real_client_model_and_scripts(
    ai_server: Any, cpu_worker: Supervisor, real_client_python: Path
) -> None:
    client = RealClient(real_client_python, f"{ai_server.host}:{ai_server.port}", "Standalone")
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    results = client.run(
        [
            put_tensor_op("x", x),
            {
                "op": "set_model",
                "name": "m",
                "model": base64.b64encode(torch_bytes(Double())).decode(),
                "backend": "TORCH",
            },
            {"op": "run_model", "name": "m", "inputs": ["x"], "outputs": ["y"]},
            {"op": "get_tensor", "name": "y"},
            {"op": "set_script", "name": "s", "script": SCRIPT},
            {"op": "run_script", "name": "s", "function": "add_all", "inputs": ["x", "y"], "outputs": ["z"]},
            {"op": "get_tensor", "name": "z"},
            {"op": "set_function", "name": "f", "source": FUNCTION_SOURCE, "function": "scale_sum"},
            {
                "op": "run_script",
                "name": "f",
                "function": "scale_sum",
                "inputs": ["x", "x", "y"],
                "outputs": ["w"],
            },
            {"op": "get_tensor", "name": "w"},
        ]
    )
    np.testing.assert_array_equal(decode_array(results[3]), x * 2)
    np.testing.assert_array_equal(decode_array(results[6]), x * 3)
    np.testing.assert_array_equal(decode_array(results[9]), x * 10 + x + x * 2)
