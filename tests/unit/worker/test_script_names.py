"""Compilation of scripts: the names RedisAI defines, and the reply mapping of redis.execute."""

from __future__ import annotations

import hiredis
import numpy as np
import pytest

from smartsim.server.worker.backends.torch_backend import TorchScript
from smartsim.server.worker.protocol import Request, WorkerError
from smartsim.server.worker.script_host import script_value

SOURCE = b"""
def circle(x):
    return x * math.pi

def needs_host(x):
    redis.execute("SET", "k", "v")
    return x
"""


def request(array: np.ndarray) -> Request:
    return Request(job=1, keys=[], args=[], noutputs=1, inputs=[array])


def test_math_and_torch_resolve() -> None:
    script = TorchScript(SOURCE, "CPU")
    [[out]] = script.run([request(np.ones(2, dtype=np.float32))], "circle", False)
    np.testing.assert_allclose(out, np.full(2, np.pi, dtype=np.float32))


def test_redis_without_a_host_is_a_clear_error() -> None:
    script = TorchScript(SOURCE, "CPU")
    with pytest.raises(WorkerError, match="only available while a script runs"):
        script.run([request(np.ones(2, dtype=np.float32))], "needs_host", False)


def test_unknown_names_fail_at_compile_time() -> None:
    with pytest.raises(WorkerError, match="undefined value numpy"):
        TorchScript(b"def f(x):\n    return numpy.sum(x)\n", "CPU")


def test_reply_mapping() -> None:
    assert script_value(b"OK") == "OK"
    assert script_value(7) == 7 and script_value(2**40) == 2**40
    assert script_value(None) is None
    assert script_value([b"a", 1, [b"b", None]]) == ("a", 1, ("b", None))
    assert script_value([hiredis.ReplyError("ERR inner")]) == ("ERR inner",)
