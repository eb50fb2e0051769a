"""ML models and scripts attached to entities are in the database before the entities run."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from smartsim import Experiment
from smartsim.adapters.database.free_port import free_tcp_port
from smartsim.status import SmartSimStatus

CHECKER = textwrap.dedent(
    """
    import sys
    from smartredis import Client

    client = Client()
    assert client.model_exists("cnn"), "model missing"
    assert client.get_model("cnn") == b"model-bytes-" * 1000, "model bytes differ"
    assert client.get_model("from_file") == open(sys.argv[1], "rb").read()
    assert "return x * 2" in client.get_script("doubler")
    assert "def triple" in client.get_script("tripler")
    print("objects present")
    """
)


def triple(x):  # type: ignore[no-untyped-def]
    return x * 3


def _attach(model: object, model_file: Path, in_memory: bool) -> None:
    if in_memory:
        model.add_ml_model("cnn", "TORCH", model=b"model-bytes-" * 1000)  # type: ignore[attr-defined]
        model.add_function("tripler", function=triple)  # type: ignore[attr-defined]
    else:
        model_file_cnn = model_file.parent / "cnn.pt"
        model_file_cnn.write_bytes(b"model-bytes-" * 1000)
        model.add_ml_model("cnn", "TORCH", model_path=str(model_file_cnn))  # type: ignore[attr-defined]
        model.add_function(  # type: ignore[attr-defined]
            "tripler", function="def triple(x):\n    return x * 3\n"
        )
    model.add_ml_model("from_file", "ONNX", model_path=str(model_file))  # type: ignore[attr-defined]
    model.add_script("doubler", script="def double(x):\n    return x * 2\n")  # type: ignore[attr-defined]


def test_objects_loaded_into_a_standard_database(tmp_path: Path) -> None:
    (tmp_path / "check.py").write_text(CHECKER)
    model_file = tmp_path / "m.onnx"
    model_file.write_bytes(bytes(range(256)) * 10)
    exp = Experiment("objects", exp_path=str(tmp_path))
    db = exp.create_database(port=0)
    exp.start(db)
    try:
        rs = exp.create_run_settings(sys.executable, [str(tmp_path / "check.py"), str(model_file)])
        model = exp.create_model("checker", rs)
        _attach(model, model_file, in_memory=True)
        exp.start(model, block=True)
        err = (tmp_path / "checker" / "checker.err").read_text()
        assert exp.get_status(model) == [SmartSimStatus.STATUS_COMPLETED], err
        assert "objects present" in (tmp_path / "checker" / "checker.out").read_text()
    finally:
        exp.stop(db)


def test_objects_loaded_into_a_colocated_database(tmp_path: Path) -> None:
    (tmp_path / "check.py").write_text(CHECKER)
    model_file = tmp_path / "m.onnx"
    model_file.write_bytes(bytes(range(256)) * 10)
    exp = Experiment("colo-objects", exp_path=str(tmp_path))
    rs = exp.create_run_settings(sys.executable, [str(tmp_path / "check.py"), str(model_file)])
    model = exp.create_model("checker", rs)
    model.colocate_db_tcp(port=free_tcp_port())
    _attach(model, model_file, in_memory=False)
    exp.start(model, block=True)
    err = (tmp_path / "checker" / "checker.err").read_text()
    assert exp.get_status(model) == [SmartSimStatus.STATUS_COMPLETED], err
    assert "objects present" in (tmp_path / "checker" / "checker.out").read_text()
