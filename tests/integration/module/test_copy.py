"""COPY of tensors, models and scripts: same bytes under the new key, independent of the source."""

from __future__ import annotations

from typing import Any

import numpy as np


def test_copy_a_tensor(ai_server: Any) -> None:
    raw = ai_server.client()
    data = np.arange(1 << 16, dtype=np.float32)
    raw.execute_command("AI.TENSORSET", "src", "FLOAT", data.size, "BLOB", data.tobytes())
    assert raw.copy("src", "dst") is True
    assert raw.type("dst") == b"AI_TENSOR"
    assert raw.execute_command("AI.TENSORGET", "dst", "BLOB") == data.tobytes()
    # Immutable values: overwriting or deleting the source leaves the copy alone.
    raw.execute_command("AI.TENSORSET", "src", "FLOAT", 1, "VALUES", 7)
    raw.delete("src")
    assert raw.execute_command("AI.TENSORGET", "dst", "BLOB") == data.tobytes()
    assert raw.copy("dst", "dst2") is True and raw.copy("dst", "dst2") is False
    assert raw.copy("dst", "dst2", replace=True) is True


def test_copy_a_model_and_a_script(ai_server: Any) -> None:
    raw = ai_server.client()
    blob = bytes(range(256)) * 40
    raw.execute_command(
        "AI.MODELSTORE",
        "m",
        "TF",
        "CPU",
        "TAG",
        "v1",
        "BATCHSIZE",
        4,
        "INPUTS",
        1,
        "x",
        "OUTPUTS",
        1,
        "y",
        "BLOB",
        blob,
    )
    assert raw.copy("m", "m2") is True
    assert raw.execute_command("AI.MODELGET", "m2", "META", "BLOB") == raw.execute_command(
        "AI.MODELGET", "m", "META", "BLOB"
    )
    assert raw.type("m2") == b"AI__MODEL"
    info = raw.execute_command("AI.INFO", "m2")
    assert info[:2] == [b"key", b"m2"] and info[info.index(b"tag") + 1] == b"v1"
    raw.execute_command("AI.MODELDEL", "m")
    assert raw.execute_command("AI.MODELGET", "m2", "BLOB") == blob

    source = "def f(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0]\n"
    raw.execute_command("AI.SCRIPTSTORE", "s", "CPU", "TAG", "t", "ENTRY_POINTS", 1, "f", "SOURCE", source)
    assert raw.copy("s", "s2") is True
    assert raw.execute_command("AI.SCRIPTGET", "s2") == raw.execute_command("AI.SCRIPTGET", "s")
    assert {bytes(k) for k, _ in raw.execute_command("AI._SCRIPTSCAN")} == {b"s", b"s2"}
