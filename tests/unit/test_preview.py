import pytest

from smartsim import Experiment
from smartsim.domain.errors import SmartSimError


def test_preview_lists_entities(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    exp = Experiment("prev", exp_path=str(tmp_path))
    db = exp.create_database(port=6780, db_nodes=3)
    model = exp.create_model("sim", exp.create_run_settings("true", "--steps 3"), params={"dt": 0.1})
    model.enable_key_prefixing()
    model.add_ml_model("cnn", "TORCH", model=b"x")
    ens = exp.create_ensemble("ens", run_settings=exp.create_run_settings("true"), replicas=2)
    text = exp.preview(db, model, ens, verbosity_level="debug")
    assert "Orchestrator: orchestrator" in text and "Shards: 3 (cluster)" in text and "Port: 6780" in text
    assert "Model: sim" in text and "Parameters: dt=0.1" in text and "Key prefixing: on" in text
    assert "ML model: cnn (TORCH on CPU)" in text
    assert "Ensemble: ens (2 members)" in text and "Model: ens_1" in text
    assert "Command: /" in text and "--steps 3" in text
    assert capsys.readouterr().out.strip() == text
    exp.preview(model, output_filename=str(tmp_path / "p.txt"))
    assert (tmp_path / "p.txt").read_text().startswith("Experiment: prev")
    with pytest.raises(ValueError):
        exp.preview(model, output_format="html")
    with pytest.raises(SmartSimError, match="Local launcher does not support batch workloads"):
        exp.create_batch_settings()
