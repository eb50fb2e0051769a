"""Ensembles through the local launcher, members exchanging data through the Orchestrator, and
generation of entity directories from attached files."""

from __future__ import annotations

import os
import stat
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from smartredis import Client
from smartsim import Experiment
from smartsim.status import SmartSimStatus

PRODUCER = textwrap.dedent(
    """
    import numpy as np, os
    from smartredis import Client
    client = Client()
    rank = int(os.environ["RANK"])
    client.put_tensor("field", np.full(4, rank, dtype=np.int32))
    """
)

CONSUMER = textwrap.dedent(
    """
    import numpy as np, sys
    from smartredis import Client
    client = Client()
    total = 0
    for source in ("ens_0", "ens_1", "ens_2"):
        client.set_data_source(source)
        assert client.poll_tensor("field", 10, 500), source
        total += int(client.get_tensor("field").sum())
    print("total", total)
    """
)


def test_ensemble_members_exchange_data_with_prefixes(tmp_path: Path) -> None:
    (tmp_path / "producer.py").write_text(PRODUCER)
    (tmp_path / "consumer.py").write_text(CONSUMER)
    exp = Experiment("ens-exp", exp_path=str(tmp_path))
    db = exp.create_database(port=0)
    exp.start(db)
    try:
        settings = exp.create_run_settings(sys.executable, str(tmp_path / "producer.py"))
        ensemble = exp.create_ensemble("ens", run_settings=settings, replicas=3)
        for index, member in enumerate(ensemble):
            member.run_settings.env_vars["RANK"] = str(index)
        consumer = exp.create_model(
            "consumer", exp.create_run_settings(sys.executable, str(tmp_path / "consumer.py"))
        )
        for member in ensemble:
            consumer.register_incoming_entity(member)
        exp.start(ensemble, consumer, block=True)
        assert exp.get_status(consumer, ensemble) == [SmartSimStatus.STATUS_COMPLETED] * 4
        assert exp.finished(ensemble)
        assert "total 12" in (tmp_path / "consumer" / "consumer.out").read_text(), (
            tmp_path / "consumer" / "consumer.err"
        ).read_text()
        raw = Client(cluster=False, address=db.get_address()[0])
        assert sorted(k for k in ("ens_0.field", "ens_1.field", "ens_2.field") if raw.key_exists(k)) == [
            "ens_0.field",
            "ens_1.field",
            "ens_2.field",
        ]
        assert np.array_equal(raw.get_tensor("ens_2.field"), np.full(4, 2, dtype=np.int32))
        assert (tmp_path / "ens" / "ens_1" / "ens_1.out").exists()
    finally:
        exp.stop(db)


def test_generation_copies_links_and_configures(tmp_path: Path) -> None:
    source = tmp_path / "inputs"
    (source / "tree" / "sub").mkdir(parents=True)
    script = source / "run.sh"
    script.write_text("#!/bin/sh\necho run\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    (source / "tree" / "sub" / "data.txt").write_text("data")
    (source / "big.dat").write_text("large input")
    config = source / "in.nml"
    config.write_text("THERMO = ;THERMO;\nSTEPS = ;STEPS;\nKEEP = ;other;\n")
    exp = Experiment("gen", exp_path=str(tmp_path))
    model = exp.create_model("sim", exp.create_run_settings("true"), params={"THERMO": 1, "STEPS": 200})
    model.attach_generator_files(
        to_copy=[str(script), str(source / "tree")],
        to_symlink=[str(source / "big.dat")],
        to_configure=[str(config)],
    )
    assert exp.generate(model) is model
    out = tmp_path / "sim"
    assert (out / "in.nml").read_text() == "THERMO = 1\nSTEPS = 200\nKEEP = ;other;\n"
    assert os.access(out / "run.sh", os.X_OK), "permissions were not kept"
    assert (out / "sub" / "data.txt").read_text() == "data"
    assert (out / "big.dat").is_symlink() and (out / "big.dat").read_text() == "large input"
    assert "THERMO=1" in (out / "smartsim_params.txt").read_text()
    with pytest.raises(FileExistsError, match="already exists"):
        exp.generate(model)
    exp.generate(model, overwrite=True)

    missing = exp.create_model("m2", exp.create_run_settings("true"))
    missing.attach_generator_files(to_copy=[str(tmp_path / "nope.txt")])
    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        exp.generate(missing)


def test_generate_with_a_custom_tag_for_an_ensemble(tmp_path: Path) -> None:
    config = tmp_path / "params.cfg"
    config.write_text("alpha=@alpha@ beta=@beta@\n")
    exp = Experiment("tags", exp_path=str(tmp_path))
    ensemble = exp.create_ensemble(
        "ens", params={"alpha": [1, 2], "beta": ["x"]}, run_settings=exp.create_run_settings("true")
    )
    ensemble.attach_generator_files(to_configure=[str(config)])
    exp.generate(ensemble, tag="@")
    assert (tmp_path / "ens" / "ens_0" / "params.cfg").read_text() == "alpha=1 beta=x\n"
    assert (tmp_path / "ens" / "ens_1" / "params.cfg").read_text() == "alpha=2 beta=x\n"
