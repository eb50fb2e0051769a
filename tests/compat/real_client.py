"""The real SmartRedis 0.6.1 Python client, driven from the tests through a subprocess.

The wheel lives in its own virtual environment (``.venv-compat`` at the repository root, or
``$SMARTSIM_COMPAT_VENV``) so it never meets our ``smartredis`` package. The environment is built
once and reused: it is assembled in a scratch directory beside its final place and renamed
into place only when the wheel imports, so an interrupted build never leaves a half-made venv
that later runs would trust, and two concurrent builds cannot both win.

``RealClient`` sends a list of operations to ``real_client_runner.py`` (run by that
environment's python) and decodes the JSON it prints.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

REAL_SMARTREDIS_VERSION = "0.6.1"
# The wheel declares numpy<2 and Requires-Python >=3.9,<3.12 (cp39..cp311 builds only).
COMPAT_REQUIREMENTS = (f"smartredis=={REAL_SMARTREDIS_VERSION}", "numpy<2")
SUPPORTED_PYTHONS = ((3, 11), (3, 10), (3, 9))
COMPAT_VENV_ENV = "SMARTSIM_COMPAT_VENV"
REPO_ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("real_client_runner.py")
_READY_MARKER = "compat-ready.json"
_PIP_TIMEOUT_S = 600
_RUN_TIMEOUT_S = 300


class CompatEnvironmentError(RuntimeError):
    """The virtual environment with the real client could not be built."""


# ---------------------------------------------------------------- the virtual environment


def compat_venv_path() -> Path:
    return Path(os.environ.get(COMPAT_VENV_ENV) or REPO_ROOT / ".venv-compat")


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _base_interpreter() -> str:
    """A python the wheel supports: this one if its version fits, else one found on PATH."""
    if sys.version_info[:2] in SUPPORTED_PYTHONS:
        return sys.executable
    for major, minor in SUPPORTED_PYTHONS:
        found = shutil.which(f"python{major}.{minor}")
        if found:
            return found
    raise CompatEnvironmentError(
        f"smartredis {REAL_SMARTREDIS_VERSION} needs Python 3.9-3.11; none was found "
        f"(this interpreter is {sys.version.split()[0]})"
    )


def _expected_marker() -> dict[str, Any]:
    return {"requirements": list(COMPAT_REQUIREMENTS)}


def _is_ready(venv: Path) -> bool:
    marker = venv / _READY_MARKER
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return recorded == _expected_marker() and _venv_python(venv).exists()


def _run_checked(argv: Sequence[str], what: str) -> None:
    completed = subprocess.run(
        list(argv), capture_output=True, text=True, timeout=_PIP_TIMEOUT_S, check=False
    )
    if completed.returncode != 0:
        raise CompatEnvironmentError(
            f"{what} failed ({completed.returncode}):\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        )


def ensure_compat_venv(venv: Path | None = None) -> Path:
    """The python of a venv holding the real smartredis wheel; built on first use."""
    venv = venv or compat_venv_path()
    if _is_ready(venv):
        return _venv_python(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    if venv.exists():
        # Left by an older build with other requirements, or made by hand: replace it.
        stale = Path(tempfile.mkdtemp(prefix=f"{venv.name}-stale-", dir=venv.parent))
        try:
            os.replace(venv, stale / "venv")
        except FileNotFoundError:
            pass  # a concurrent run moved it first
        shutil.rmtree(stale, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{venv.name}-build-", dir=venv.parent))
    try:
        build = scratch / "venv"
        _run_checked([_base_interpreter(), "-m", "venv", str(build)], "creating the compat venv")
        python = str(_venv_python(build))
        _run_checked(
            [python, "-m", "pip", "install", "--disable-pip-version-check", "-q", *COMPAT_REQUIREMENTS],
            f"pip install {' '.join(COMPAT_REQUIREMENTS)}",
        )
        _run_checked([python, "-c", "import smartredis, numpy"], "importing the real smartredis")
        (build / _READY_MARKER).write_text(json.dumps(_expected_marker()))
        try:
            os.rename(build, venv)  # atomic; fails if a concurrent build got there first
        except OSError:
            if not _is_ready(venv):
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return _venv_python(venv)


def compat_python_or_skip() -> Path:
    """For the session fixture: a build failure fails the run in CI and skips elsewhere."""
    try:
        return ensure_compat_venv()
    except (CompatEnvironmentError, subprocess.TimeoutExpired) as err:
        if os.environ.get("CI"):
            pytest.fail(f"cannot build the compat venv: {err}")
        pytest.skip(f"cannot build the compat venv (no network or no Python 3.9-3.11?): {err}")


@pytest.fixture(scope="session")
def real_client_python() -> Path:
    return compat_python_or_skip()


# ---------------------------------------------------------------- the client


def encode_array(array: np.ndarray) -> dict[str, Any]:
    return {
        "dtype": str(array.dtype),
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode(),
    }


def decode_array(spec: Mapping[str, Any]) -> np.ndarray:
    data = base64.b64decode(spec["data"])
    return np.frombuffer(data, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"]).copy()


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset to build in the real client: tensors plus metadata fields in order of addition.

    ``scalars`` holds ``(field, value, type)`` with type ``int``/``float`` (Python values) or a
    numpy scalar type name (``float32``, ``int32``, ``uint32``, ``uint64``, ``int64``, ``float64``).
    """

    name: str
    tensors: Sequence[tuple[str, np.ndarray]] = ()
    scalars: Sequence[tuple[str, int | float, str]] = ()
    strings: Sequence[tuple[str, str]] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tensors": [{"name": name, **encode_array(array)} for name, array in self.tensors],
            "meta_scalars": [{"field": f, "value": v, "type": t} for f, v, t in self.scalars],
            "meta_strings": [{"field": f, "value": v} for f, v in self.strings],
        }


class RealClientError(AssertionError):
    """An operation raised in the real client; carries its exception class and message."""

    def __init__(self, op: Mapping[str, Any], error: str, message: str) -> None:
        super().__init__(f"{op['op']} raised {error}: {message}")
        self.error = error
        self.message = message


class RealClient:
    """Runs operations through the real client, one subprocess (one ``Client``) per ``run``."""

    def __init__(
        self,
        python: Path,
        ssdb: str,
        db_type: str = "Standalone",
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.python = python
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "SSDB": ssdb,
            "SR_DB_TYPE": db_type,
            # Fail within seconds, not SmartRedis' 100 s, if the server is not there.
            "SR_CONN_TIMEOUT": "10",
            "SR_CONN_INTERVAL": "100",
            "SR_CMD_TIMEOUT": "30",
            # SmartRedis re-sends a command whose reply takes over SR_SOCKET_TIMEOUT (250 ms by
            # default); on a loaded test machine that would duplicate RPUSHes and skew counts.
            "SR_SOCKET_TIMEOUT": "5000",
            "SR_LOG_LEVEL": "quiet",
            **(extra_env or {}),
        }

    def run_raw(self, operations: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One result per operation: ``{"ok": value}`` or ``{"error": class, "message": text}``."""
        with tempfile.TemporaryDirectory(prefix="sr-compat-") as scratch:
            env = {**self.env, "SR_LOG_FILE": str(Path(scratch) / "smartredis.log")}
            completed = subprocess.run(
                [str(self.python), str(RUNNER)],
                input=json.dumps(list(operations)),
                capture_output=True,
                text=True,
                env=env,
                cwd=scratch,
                timeout=_RUN_TIMEOUT_S,
                check=False,
            )
        if completed.returncode != 0 or not completed.stdout:
            raise AssertionError(
                f"real client runner exited {completed.returncode}:\n{completed.stderr[-4000:]}"
            )
        document = json.loads(completed.stdout)
        assert document["version"] == REAL_SMARTREDIS_VERSION, document["version"]
        if "connect_error" in document:
            raise AssertionError(f"the real client could not connect: {document['connect_error']}")
        results: list[dict[str, Any]] = document["results"]
        return results

    def run(self, operations: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The values of all operations; raises ``RealClientError`` for the first that failed."""
        results = self.run_raw(operations)
        for op, result in zip(operations, results, strict=True):
            if "error" in result:
                raise RealClientError(op, result["error"], result["message"])
        return [result["ok"] for result in results]

    def call(self, op: str, **arguments: Any) -> Any:
        return self.run([{"op": op, **arguments}])[0]

    # Convenience wrappers for the common operations.

    def put_tensor(self, name: str, array: np.ndarray) -> None:
        self.call("put_tensor", name=name, **encode_array(array))

    def get_tensor(self, name: str) -> np.ndarray:
        return decode_array(self.call("get_tensor", name=name))

    def put_dataset(self, dataset: DatasetSpec) -> None:
        self.call("put_dataset", dataset=dataset.to_json())

    def get_dataset(self, name: str) -> dict[str, Any]:
        return decode_dataset(self.call("get_dataset", name=name))


def decode_dataset(described: Mapping[str, Any]) -> dict[str, Any]:
    """A dataset as the runner describes it, with tensors decoded to arrays."""
    return {
        **described,
        "tensors": {name: decode_array(spec) for name, spec in described["tensors"].items()},
    }


def put_tensor_op(name: str, array: np.ndarray) -> dict[str, Any]:
    return {"op": "put_tensor", "name": name, **encode_array(array)}
