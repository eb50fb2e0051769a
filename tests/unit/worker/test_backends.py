"""Which framework runs each backend, the error naming the extra to install, and quiet imports."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from smartsim.server.worker import backends, supervisor
from smartsim.server.worker.backends import (
    PROVIDERS,
    SUPPORTED,
    framework_module,
    import_quietly,
    is_available,
    missing_framework_message,
)
from smartsim.server.worker.protocol import WorkerError
from smartsim.server.worker.supervisor import UsageError, resolve_backends


def hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make ``modules`` look uninstalled to the backend checks."""
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name in modules else real(name, *args)

    monkeypatch.setattr(backends.importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(supervisor.importlib.util, "find_spec", find_spec)


def test_every_backend_runs_and_names_its_extra() -> None:
    assert SUPPORTED == ("TORCH", "ONNX", "TF", "TFLITE")
    assert {name: extra for name, (_, extra) in PROVIDERS.items()} == {
        "TORCH": "smartsim[torch]",
        "ONNX": "smartsim[onnx]",
        "TF": "smartsim[tf]",
        "TFLITE": "smartsim[tflite]",
    }


def test_missing_tensorflow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "tensorflow")
    assert framework_module("TF") is None and not is_available("TF")
    assert missing_framework_message("TF") == (
        "backend TF needs tensorflow, which is not installed: pip install smartsim[tf]"
    )
    with pytest.raises(UsageError, match=r"backend TF needs tensorflow.*pip install smartsim\[tf\]"):
        resolve_backends("TF")


def test_tflite_falls_back_to_tflite_runtime_then_tensorflow(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "ai_edge_litert", "tflite_runtime")
    expected = "tensorflow" if importlib.util.find_spec("tensorflow") is not None else None
    assert framework_module("TFLITE") == expected
    hide(monkeypatch, "ai_edge_litert", "tflite_runtime", "tensorflow")
    assert framework_module("TFLITE") is None and not is_available("TFLITE")
    assert "TFLITE" not in backends.available_backends()
    assert missing_framework_message("TFLITE") == (
        "backend TFLITE needs ai_edge_litert or tflite_runtime or tensorflow, which is not installed: "
        "pip install smartsim[tflite]"
    )


def test_tflite_backend_without_any_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    from smartsim.server.worker.backends.tflite_backend import TFLiteModel

    hide(monkeypatch, "ai_edge_litert", "tflite_runtime", "tensorflow")
    with pytest.raises(WorkerError, match=r"pip install smartsim\[tflite\]"):
        TFLiteModel(b"model", "CPU")


@pytest.mark.filterwarnings("ignore:.*tf.lite.Interpreter is deprecated:UserWarning")
def test_tflite_model_runs_on_tensorflow_lite(monkeypatch: pytest.MonkeyPatch) -> None:
    """With neither LiteRT nor tflite_runtime, tf.lite's interpreter runs the model."""
    import numpy as np

    tf = pytest.importorskip("tensorflow")
    from smartsim.server.worker.backends.tflite_backend import TFLiteModel, interpreter_class
    from smartsim.server.worker.protocol import Request

    hide(monkeypatch, "ai_edge_litert", "tflite_runtime")
    assert interpreter_class() is tf.lite.Interpreter
    inputs = tf.keras.Input((3,))
    model = tf.keras.Model(inputs, tf.keras.layers.Lambda(lambda x: x * 2.0)(inputs))
    blob = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    [[y]] = TFLiteModel(blob, "CPU").run([Request(job=1, keys=[], args=[], noutputs=1, inputs=[x])])
    np.testing.assert_array_equal(y, x * 2)


def test_import_quietly_drops_only_the_known_start_up_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "noisy_framework.py").write_text(
        "import os\n"
        "os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are written\\n')\n"
        "os.write(2, b'I0000 port.cc:153] oneDNN custom operations are on. You may see...\\n')\n"
        "os.write(2, b'a real problem\\n')\n"
        "VALUE = 42\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "noisy_framework", raising=False)
    module = import_quietly("noisy_framework")
    assert module.VALUE == 42
    err = capfd.readouterr().err
    assert err == "a real problem\n"
    assert import_quietly("noisy_framework") is module


def test_import_quietly_lets_import_errors_through(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ModuleNotFoundError):
        import_quietly("no_such_framework_here")
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    ("backend", "hidden", "extra"),
    [
        ("TF", ["tensorflow"], "smartsim[tf]"),
        ("TFLITE", ["ai_edge_litert", "tflite_runtime", "tensorflow"], "smartsim[tflite]"),
    ],
)
def test_worker_command_names_the_extra(backend: str, hidden: list[str], extra: str) -> None:
    """``python -m smartsim.server.worker --backends <B>`` without B's framework exits 2 naming the extra."""
    # None in sys.modules makes find_spec (and import) see the module as not installed.
    code = (
        "import sys\n"
        f"for name in {hidden!r}: sys.modules[name] = None\n"
        "from smartsim.server.worker.supervisor import main\n"
        f"sys.exit(main(['--address', '127.0.0.1:1', '--device', 'CPU', '--backends', 'TORCH,{backend}']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2, result.stderr
    assert f"backend {backend} needs" in result.stderr and f"pip install {extra}" in result.stderr
