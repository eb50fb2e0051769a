"""STRING tensors reach the worker; the TORCH backend, which has none, names them in its error."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from .conftest import Supervisor
from .models import SCRIPT, Double, torch_bytes

# redis-py drops the "ERR " prefix of the error reply.
TORCH_STRING_ERROR = "STRING tensors are not supported by the TORCH backend (input 1 is a STRING tensor)"


def test_torch_script_and_model_reject_string_inputs(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command("AI.TENSORSET", "x", "FLOAT", 2, "VALUES", 1, 2)
    conn.execute_command("AI.TENSORSET", "s", "STRING", 2, "VALUES", "a", "bc")
    conn.execute_command("AI.SCRIPTSET", "script", "CPU", "SOURCE", SCRIPT)
    with pytest.raises(Exception) as raised:
        conn.execute_command("AI.SCRIPTRUN", "script", "add_all", "INPUTS", "x", "s", "OUTPUTS", "y")
    assert str(raised.value) == TORCH_STRING_ERROR
    conn.execute_command("AI.SCRIPTSTORE", "se", "CPU", "ENTRY_POINTS", 1, "entry", "SOURCE", SCRIPT)
    with pytest.raises(Exception, match="input 1 is a STRING tensor"):
        conn.execute_command(
            "AI.SCRIPTEXECUTE", "se", "entry", "INPUTS", 2, "x", "s", "ARGS", 1, "2", "OUTPUTS", 2, "p", "q"
        )
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Double()))
    with pytest.raises(Exception, match="input 0 is a STRING tensor"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "s", "OUTPUTS", 1, "y")
    assert conn.exists("y", "p", "q") == 0
    # The same worker still runs numeric inputs.
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    blob = conn.execute_command("AI.TENSORGET", "y", "BLOB")
    np.testing.assert_array_equal(np.frombuffer(blob, dtype=np.float32), [2.0, 4.0])
