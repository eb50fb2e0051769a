"""Bad SR_CONN_* / SR_CMD_* / SR_SOCKET_TIMEOUT values: our client raises what the real one raises.

Both clients are built against port 1 (nothing listens there): validation comes before any
connection attempt, so the error is the ValueError in both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compat.real_client import RealClient
from smartredis import Client

pytestmark = pytest.mark.compat

CASES = [
    ("SR_CMD_TIMEOUT", "abc"),
    ("SR_CMD_TIMEOUT", "-"),
    ("SR_CMD_TIMEOUT", "0"),
    ("SR_CMD_TIMEOUT", "2147484"),
    ("SR_CMD_INTERVAL", "0"),
    ("SR_CMD_INTERVAL", "99999999999"),
    ("SR_CONN_TIMEOUT", "-7"),
    ("SR_CONN_TIMEOUT", "2147484"),
    ("SR_CONN_INTERVAL", "1.5"),
    ("SR_SOCKET_TIMEOUT", "0"),
    ("SR_THREAD_COUNT", "x"),
]


def _real_error(python: Path, name: str, value: str) -> str:
    # RealClient sets SR_CONN_TIMEOUT and friends itself; the case's variable overrides them.
    real = RealClient(python, "127.0.0.1:1", extra_env={name: value})
    with pytest.raises(AssertionError) as raised:
        real.run_raw([])
    text = str(raised.value)
    prefix = "the real client could not connect: "
    assert text.startswith(prefix), text
    return text[len(prefix) :]


@pytest.mark.parametrize(("name", "value"), CASES)
def test_bad_values_raise_the_same_error_in_both_clients(
    real_client_python: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    expected = _real_error(real_client_python, name, value)
    monkeypatch.setenv("SSDB", "127.0.0.1:1")
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    monkeypatch.setenv(name, value)
    with pytest.raises(Exception) as raised:  # the class is compared below
        Client()
    assert f"{type(raised.value).__name__}: {raised.value}" == expected
