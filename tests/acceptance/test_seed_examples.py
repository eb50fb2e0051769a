"""The examples of the seed Model document (reference/seed-model-api.rst) run and do what it says.

Driver code is run as the document writes it (in a subprocess script where the document shows a
whole driver, in the test otherwise); application code runs in `apps/seed_app.py`, launched by
the driver as a real process. Each test checks the document's stated outcome exactly: generated
directories and files, configured file contents, and the orchestrator's keys. Where the document
cannot run as written because of an error of its own, the smallest fix is applied and marked
"Fix:" in a comment.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import resource
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from smartredis import Client
from smartsim import Experiment
from smartsim.adapters.database.free_port import free_tcp_port
from smartsim.domain.orchestrator import Orchestrator
from smartsim.entity import Model
from smartsim.error import SSUnsupportedError
from smartsim.status import SmartSimStatus

APPS = Path(__file__).parent / "apps"
SEED_APP = APPS / "seed_app.py"
# The document writes `exe="python"`: put this interpreter first on PATH under that name.
PYTHON_BIN = str(Path(sys.executable).parent)
# The document's log lines read `Default@16-05-25:<text>` (the client's default logger name).
LOG_LINE = r"^Default@\d\d-\d\d-\d\d:{}$"


def keyspace(db: Orchestrator) -> set[str]:
    host, port = db.get_address()[0].rsplit(":", 1)
    connection = redis.Redis(host=host, port=int(port), protocol=2, decode_responses=True)
    try:
        return set(connection.keys("*"))
    finally:
        connection.close()


def db_client(db: Orchestrator) -> Client:
    return Client(cluster=False, address=db.get_address()[0])


def outputs(model: Model) -> tuple[str, str]:
    path = Path(model.path)
    name = model.name
    return (path / f"{name}.out").read_text(), (path / f"{name}.err").read_text()


def assert_completed(exp: Experiment, model: Model) -> str:
    """The model exited 0; returns its standard output."""
    out, err = outputs(model)
    assert exp.get_status(model) == [SmartSimStatus.STATUS_COMPLETED], err
    return out


def start_app(
    exp: Experiment, name: str, example: str, prefixing: bool = True, incoming: tuple[Model, ...] = ()
) -> Model:
    """The document's driver lines for an application model, with `exe_ex` = this interpreter."""
    exe_ex = sys.executable
    # Create the run settings for the model
    model_settings = exp.create_run_settings(exe=exe_ex, exe_args=f"{SEED_APP} {example}")
    # Create a Model instance named 'model'
    model = exp.create_model(name, model_settings)
    if prefixing:
        # Enable tensor prefixing
        model.enable_key_prefixing()
    for entity in incoming:
        model.register_incoming_entity(entity)
    exp.start(model, block=True)
    return model


def run_driver(source: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a driver script as a user would: `python driver.py` in `cwd`, `python` on PATH."""
    (cwd / "driver.py").write_text(textwrap.dedent(source))
    env = dict(os.environ, PATH=PYTHON_BIN + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run(
        [sys.executable, "driver.py"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def normalize_source() -> str:
    """The source text of the application's `normalize`, as `Client.set_function` sends it."""
    spec = importlib.util.spec_from_file_location("seed_app", SEED_APP)
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    return inspect.getsource(app.normalize)


class NoInferenceWorker(AssertionError):
    """An execution failed only because the orchestrator has no inference worker process."""


def check_execution(db: Orchestrator, exp: Experiment, model: Model) -> str:
    """Completed, or: no worker at all -> NoInferenceWorker; workers without the backend -> skip."""
    _, err = outputs(model)
    found = re.search(r"no worker serves backend (\w+) on device (\S+)", err)
    if found is None:
        return assert_completed(exp, model)
    host, port = db.get_address()[0].rsplit(":", 1)
    connection = redis.Redis(host=host, port=int(port), protocol=2)
    try:
        workers = connection.execute_command("AI._WORKER.LIST")
    except redis.ResponseError:
        workers = []
    finally:
        connection.close()
    if workers:
        pytest.skip(
            f"the orchestrator's workers do not serve backend {found[1]} (its extra is not installed)"
        )
    raise NoInferenceWorker(err)


# Initialization / Instructions ----------------------------------------------------------------


def test_instructions_standard_model(tmp_path: Path) -> None:
    (tmp_path / "script.py").write_text("print('hello from script.py')\n")
    result = run_driver(
        f"""
        from smartsim import Experiment

        # Init Experiment and specify to launch locally
        exp = Experiment(name="getting-started", launcher="local")
        # Fix: the model runs in getting-started/example-model (SmartSim's directory, not the current
        # one the document assumes), so the relative "script.py" would not be found there.
        settings = exp.create_run_settings(exe="python", exe_args={str(tmp_path / "script.py")!r})
        model = exp.create_model(name="example-model", run_settings=settings)
        model = exp.generate(model)
        exp.start(model)
        print(exp.get_status(model))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    model_dir = tmp_path / "getting-started" / "example-model"
    assert sorted(p.name for p in model_dir.iterdir()) == ["example-model.err", "example-model.out"]
    assert (model_dir / "example-model.out").read_text() == "hello from script.py\n"
    assert (model_dir / "example-model.err").read_text() == ""
    assert "Completed" in result.stdout


# Colocated Orchestrator ---------------------------------------------------------------------

COLOCATED_CHECK = APPS / "colocated_check.py"


def example_kwargs() -> dict[str, int]:
    return {"maxclients": 100000, "threads_per_queue": 1, "inter_op_threads": 1, "intra_op_threads": 1}


@pytest.mark.parametrize("function", ["colocate_db_tcp", "colocate_db_uds", "colocate_db"])
def test_colocated_orchestrator_with_example_kwargs(exp: Experiment, tmp_path: Path, function: str) -> None:
    rs = exp.create_run_settings(exe=sys.executable, exe_args=str(COLOCATED_CHECK))
    model = exp.create_model("colo", rs)
    if function == "colocate_db_uds":
        model.colocate_db_uds(unix_socket=str(tmp_path / "colo.sock"), **example_kwargs())
    elif function == "colocate_db":
        with pytest.warns(FutureWarning):  # "(deprecated) An alias for Model.colocate_db_tcp()"
            model.colocate_db(port=free_tcp_port(), **example_kwargs())
    else:
        model.colocate_db_tcp(port=free_tcp_port(), **example_kwargs())
    exp.start(model, block=True)
    out = assert_completed(exp, model)
    # The server lowers maxclients to what the open-files limit allows (32 descriptors reserved).
    hard_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    maxclients = 100000 if hard_limit == resource.RLIM_INFINITY else min(100000, hard_limit - 32)
    assert out.splitlines() == ["round trip ok", f"maxclients {maxclients}"]


# Files ----------------------------------------------------------------------------------------


def test_files_to_configure_example(tmp_path: Path) -> None:
    (tmp_path / "params_inputs.txt").write_text("THERMO = ;THERMO;\n")
    (tmp_path / "application.py").write_text("print(open('params_inputs.txt').read(), end='')\n")
    result = run_driver(
        f"""
        from smartsim import Experiment
        from smartsim.log import get_logger

        logger = get_logger("Experiment Log")
        # Initialize the Experiment
        exp = Experiment("getting-started", launcher="auto")

        # Initialize a RunSettings object
        model_settings = exp.create_run_settings(exe="python", exe_args={str(tmp_path / "application.py")!r})

        # Initialize a Model object
        example_model = exp.create_model("model", model_settings, params={{"THERMO":1}})

        # Attach the file to the Model instance
        example_model.attach_generator_files(to_configure={str(tmp_path / "params_inputs.txt")!r})

        # Fix: the document passes `model`, a name it never defines; it means `example_model`.
        model = exp.generate(example_model)
        exp.start(example_model)
        print(exp.get_status(example_model))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    model_dir = tmp_path / "getting-started" / "model"
    assert (model_dir / "params_inputs.txt").read_text() == "THERMO = 1\n"
    # The application, run in the model's directory, read the configured file there.
    assert (model_dir / "model.out").read_text() == "THERMO = 1\n"
    assert (model_dir / "model.err").read_text() == ""
    assert "Completed" in result.stdout


# Output and Error Files -----------------------------------------------------------------------


def test_output_files_in_the_model_path_parameter(exp: Experiment, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere"
    rs = exp.create_run_settings(
        exe=sys.executable, exe_args=["-c", "import sys; print('out'); print('err', file=sys.stderr)"]
    )
    model = exp.create_model("model_name", rs, path=str(path))
    exp.start(model, block=True)
    assert (path / "model_name.out").read_text() == "out\n"
    assert (path / "model_name.err").read_text() == "err\n"


def test_output_files_in_the_generated_model_directory(exp: Experiment, tmp_path: Path) -> None:
    rs = exp.create_run_settings(
        exe=sys.executable, exe_args=["-c", "import sys; print('out'); print('err', file=sys.stderr)"]
    )
    model = exp.create_model("model_name", rs)
    exp.generate(model)
    exp.start(model, block=True)
    # "Invoking Experiment.generate(model) will create a directory model_name/ and will store the
    # two files within that directory."
    assert (tmp_path / "model_name" / "model_name.out").read_text() == "out\n"
    assert (tmp_path / "model_name" / "model_name.err").read_text() == "err\n"


def test_output_files_without_path_or_generate(exp: Experiment, tmp_path: Path) -> None:
    # The document: "Model instances will be executed in the current working directory by default
    # if no `path` argument is supplied". SmartSim (and this project, ARCHITECTURE §1) runs them in
    # <exp_path>/<name>.
    rs = exp.create_run_settings(exe=sys.executable, exe_args=["-c", "import os; print(os.getcwd())"])
    model = exp.create_model("model_name", rs)
    exp.start(model, block=True)
    assert (tmp_path / "model_name" / "model_name.out").read_text() == f"{tmp_path / 'model_name'}\n"
    assert (tmp_path / "model_name" / "model_name.err").read_text() == ""


def test_attach_generator_files_calls_overwrite_each_other(exp: Experiment, tmp_path: Path) -> None:
    """ "Multiple calls to Model.attach_generator_files() will overwrite previous file
    configurations in the Model"."""
    for name in ("first.txt", "second.txt", "conf.txt"):
        (tmp_path / name).write_text(f"{name} ;THERMO;\n")
    rs = exp.create_run_settings(exe=sys.executable, exe_args=["-c", "pass"])
    model = exp.create_model("model", rs, params={"THERMO": 1})
    model.attach_generator_files(
        to_copy=[str(tmp_path / "first.txt")], to_configure=[str(tmp_path / "conf.txt")]
    )
    model.attach_generator_files(to_copy=[str(tmp_path / "second.txt")])
    exp.generate(model)
    generated = {p.name for p in (tmp_path / "model").iterdir()} - {"smartsim_params.txt"}
    assert generated == {"second.txt"}
    assert (tmp_path / "model" / "second.txt").read_text() == "second.txt ;THERMO;\n"


def test_enable_key_prefixing_initializer_argument(exp: Experiment, orchestrator: Orchestrator) -> None:
    """`enable_key_prefixing` (bool = False): "Prefix the model name to data sent to the database"."""
    model_settings = exp.create_run_settings(
        exe=sys.executable, exe_args=f"{SEED_APP} tensor_driver_prefixing"
    )
    model = exp.create_model("model_name", model_settings, enable_key_prefixing=True)
    exp.start(model, block=True)
    assert_completed(exp, model)
    assert keyspace(orchestrator) == {"model_name.tensor_1", "model_name.tensor_2"}


# ML Models and Scripts: AI Models -------------------------------------------------------------

MULTI_GPU = ["", ".GPU:0", ".GPU:1"]


def keras_net() -> tuple[Any, Any, Any]:
    """`Net`, `Input` and `keras` of the document's examples (it leaves them undefined)."""
    tf = pytest.importorskip("tensorflow")
    keras = tf.keras

    class Net(keras.Model):
        def __init__(self) -> None:
            super().__init__(name="cnn")
            self.conv = keras.layers.Conv2D(1, 3, 1)

        def call(self, x):
            return self.conv(x)

    return Net, keras.Input, keras


def stored_model_keys(
    exp: Experiment, orchestrator: Orchestrator, attach: Callable[[Model], None]
) -> set[str]:
    rs = exp.create_run_settings(exe=sys.executable, exe_args=["-c", "pass"])
    smartsim_model = exp.create_model("smartsim_model", rs)
    attach(smartsim_model)
    exp.start(smartsim_model, block=True)
    assert_completed(exp, smartsim_model)
    return keyspace(orchestrator)


def test_attach_an_in_memory_ml_model(exp: Experiment, orchestrator: Orchestrator) -> None:
    Net, Input, keras = keras_net()  # noqa: N806 - the document's names

    def create_tf_cnn():
        """Create an in-memory Keras CNN for example purposes"""
        from smartsim.ml.tf import serialize_model

        n = Net()
        input_shape = (3, 3, 1)
        inputs = Input(input_shape)
        outputs = n(inputs)
        model = keras.Model(inputs=inputs, outputs=outputs, name=n.name)

        return serialize_model(model)

    # Get and save TF model
    model, inputs, outputs = create_tf_cnn()

    def attach(smartsim_model):
        smartsim_model.add_ml_model(
            name="cnn",
            backend="TF",
            model=model,
            device="GPU",
            devices_per_node=2,
            first_device=0,
            inputs=inputs,
            outputs=outputs,
        )

    assert stored_model_keys(exp, orchestrator, attach) == {f"cnn{s}" for s in MULTI_GPU}
    assert db_client(orchestrator).get_model("cnn") == model


def test_attach_an_ml_model_from_file(exp: Experiment, orchestrator: Orchestrator, tmp_path: Path) -> None:
    Net, Input, keras = keras_net()  # noqa: N806 - the document's names
    model_dir = str(tmp_path)

    def save_tf_cnn(path, file_name):
        """Create a Keras CNN and save to file for example purposes"""
        from smartsim.ml.tf import freeze_model

        n = Net()
        input_shape = (3, 3, 1)
        n.build(input_shape=(None, *input_shape))
        inputs = Input(input_shape)
        outputs = n(inputs)
        model = keras.Model(inputs=inputs, outputs=outputs, name=n.name)

        return freeze_model(model, path, file_name)

    # Get and save TF model
    model_file, inputs, outputs = save_tf_cnn(model_dir, "model.pb")

    def attach(smartsim_model):
        smartsim_model.add_ml_model(
            name="cnn",
            backend="TF",
            model_path=model_file,
            device="GPU",
            devices_per_node=2,
            first_device=0,
            inputs=inputs,
            outputs=outputs,
        )

    assert stored_model_keys(exp, orchestrator, attach) == {f"cnn{s}" for s in MULTI_GPU}
    assert db_client(orchestrator).get_model("cnn") == Path(model_file).read_bytes()


# ML Models and Scripts: TorchScripts ----------------------------------------------------------


def timestwo(x):
    return 2 * x


def script_devices(orchestrator: Orchestrator, name: str) -> dict[str, tuple[str, str]]:
    """{key: (device, source)} of the script and its per-GPU copies."""
    host, port = orchestrator.get_address()[0].rsplit(":", 1)
    connection = redis.Redis(host=host, port=int(port), protocol=2, decode_responses=True)
    try:
        found = {}
        for suffix in MULTI_GPU:
            reply = connection.execute_command("AI.SCRIPTGET", name + suffix, "META", "SOURCE")
            fields = dict(zip(reply[::2], reply[1::2], strict=True))
            found[name + suffix] = (fields["device"], fields["source"])
        return found
    finally:
        connection.close()


def expected_copies(name: str, source: str) -> dict[str, tuple[str, str]]:
    return {name: ("GPU", source), f"{name}.GPU:0": ("GPU:0", source), f"{name}.GPU:1": ("GPU:1", source)}


def test_attach_an_in_memory_torchscript_function(exp: Experiment, orchestrator: Orchestrator) -> None:
    def attach(smartsim_model):
        smartsim_model.add_function(
            name="example_func", function=timestwo, device="GPU", devices_per_node=2, first_device=0
        )

    assert stored_model_keys(exp, orchestrator, attach) == {f"example_func{s}" for s in MULTI_GPU}
    source = inspect.getsource(timestwo)
    assert script_devices(orchestrator, "example_func") == expected_copies("example_func", source)


def test_attach_a_torchscript_from_file(exp: Experiment, orchestrator: Orchestrator, tmp_path: Path) -> None:
    script_file = tmp_path / "torchscript.py"
    script_file.write_text("def negate(x):\n    return torch.neg(x)\n")

    def attach(smartsim_model):
        smartsim_model.add_script(
            name="example_script",
            script_path=str(script_file),
            device="GPU",
            devices_per_node=2,
            first_device=0,
        )

    assert stored_model_keys(exp, orchestrator, attach) == {f"example_script{s}" for s in MULTI_GPU}
    expected = expected_copies("example_script", script_file.read_text())
    assert script_devices(orchestrator, "example_script") == expected


def test_attach_a_torchscript_as_raw_string(exp: Experiment, orchestrator: Orchestrator) -> None:
    torch_script_str = "def negate(x):\n\treturn torch.neg(x)\n"

    def attach(smartsim_model):
        smartsim_model.add_script(
            name="example_script", script=torch_script_str, device="GPU", devices_per_node=2, first_device=0
        )

    assert stored_model_keys(exp, orchestrator, attach) == {f"example_script{s}" for s in MULTI_GPU}
    assert script_devices(orchestrator, "example_script") == expected_copies(
        "example_script", torch_script_str
    )


def test_torchscripts_from_file_and_string_reach_a_colocated_orchestrator(
    exp: Experiment, tmp_path: Path
) -> None:
    """ "Users can attach TorchScript functions from a file [or from string] to a colocated or
    standard Orchestrator". The argument list's "script: only supported for non-colocated
    orchestrators" contradicts the raw-string section; SmartSim accepts source text there."""
    script_file = tmp_path / "torchscript.py"
    script_file.write_text("def negate(x):\n    return torch.neg(x)\n")
    torch_script_str = "def negate(x):\n\treturn torch.neg(x)\n"
    rs = exp.create_run_settings(exe=sys.executable, exe_args=str(APPS / "list_scripts.py"))
    smartsim_model = exp.create_model("smartsim_model", rs)
    smartsim_model.colocate_db_tcp(port=free_tcp_port())
    smartsim_model.add_script(
        name="from_file", script_path=str(script_file), device="GPU", devices_per_node=2, first_device=0
    )
    smartsim_model.add_script(
        name="from_string", script=torch_script_str, device="GPU", devices_per_node=2, first_device=0
    )
    exp.start(smartsim_model, block=True)
    out = assert_completed(exp, smartsim_model)
    expected = [
        f"{name}{suffix} {device} {source!r}"
        for name, source in (("from_file", script_file.read_text()), ("from_string", torch_script_str))
        for suffix, device in zip(MULTI_GPU, ["GPU", "GPU:0", "GPU:1"], strict=True)
    ]
    assert out.splitlines() == sorted(expected)


def test_in_memory_objects_are_refused_for_a_colocated_orchestrator(exp: Experiment) -> None:
    """ "Model.add_function() does not support loading in-memory TorchScript functions to a
    colocated Orchestrator"; `model`: "A model in memory (only supported for non-colocated
    orchestrators)"."""
    rs = exp.create_run_settings(exe=sys.executable, exe_args=["-c", "pass"])
    smartsim_model = exp.create_model("smartsim_model", rs)
    smartsim_model.colocate_db_tcp(port=free_tcp_port())
    with pytest.raises(SSUnsupportedError):
        smartsim_model.add_function(name="example_func", function=timestwo)
    with pytest.raises(SSUnsupportedError):
        smartsim_model.add_ml_model(name="cnn", backend="TF", model=b"serialized model")


# Data Collision Prevention: Enable and Disable -----------------------------------------------


def test_tensor_prefixing_in_the_driver(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "tensor_driver_prefixing")
    assert_completed(exp, model)
    assert keyspace(orchestrator) == {"model_name.tensor_1", "model_name.tensor_2"}


def test_tensor_prefixing_in_the_application(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "tensor_app_prefixing")
    assert_completed(exp, model)
    assert keyspace(orchestrator) == {"tensor_1", "model_name.copied_tensor"}


def test_dataset_prefixing_in_the_driver(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "dataset_driver_prefixing")
    assert_completed(exp, model)
    assert keyspace(orchestrator) == {
        "model_name.{dataset_1}.dataset_tensor_1",
        "model_name.{dataset_1}.meta",
        "model_name.{dataset_2}.dataset_tensor_2",
        "model_name.{dataset_2}.meta",
    }


def test_dataset_prefixing_in_the_application(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "dataset_app_prefixing")
    assert_completed(exp, model)
    assert keyspace(orchestrator) == {
        "{dataset_1}.dataset_tensor_1",
        "{dataset_1}.meta",
        "model_name.{copied_dataset}.dataset_tensor_1",
        "model_name.{copied_dataset}.meta",
    }


def test_list_prefixing_in_the_driver(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "list_driver_prefixing")
    assert_completed(exp, model)
    assert keyspace(orchestrator) == {
        "model_name.dataset_list",
        "model_name.{copied_dataset}.dataset_tensor_1",
        "model_name.{copied_dataset}.meta",
    }


def test_list_prefixing_in_the_application(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "list_app_prefixing")
    out = assert_completed(exp, model)
    logged = [line for line in out.splitlines() if line.startswith("Default@")]
    expected = [
        "The dataset name is: dataset",
        "The dataset tensor name is: dataset_tensor",
        "The copied dataset name is: dataset",
        "The copied dataset tensor name is: dataset_tensor",
    ]
    assert len(logged) == len(expected), out
    for line, text in zip(logged, expected, strict=True):
        assert re.match(LOG_LINE.format(re.escape(text)), line), line
    assert keyspace(orchestrator) == {
        "model_name.dataset_list_copied",
        "model_name.{dataset}.meta",
        "dataset_list",
        "model_name.{dataset}.dataset_tensor",
    }


def test_ml_model_prefixing_in_the_application(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "ml_model_app_prefixing")
    assert_completed(exp, model)
    assert keyspace(orchestrator) == {"model_name.mnist_cnn"}


def test_script_prefixing_in_the_application(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "script_app_prefixing")
    assert_completed(exp, model)
    assert keyspace(orchestrator) == {"model_name.normalizer"}
    assert db_client(orchestrator).get_script("model_name.normalizer") == normalize_source()


# Data Collision Prevention: Interact ----------------------------------------------------------


def test_interact_tensor_from_the_same_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "tensor_same_script")
    assert_completed(exp, model)
    assert keyspace(orchestrator) == {"model_name.tensor"}


def test_interact_tensor_from_another_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    producer = start_app(exp, "model_name", "tensor_same_script")
    assert_completed(exp, producer)
    consumer = start_app(exp, "consumer", "tensor_other_script", prefixing=False, incoming=(producer,))
    assert_completed(exp, consumer)


def test_interact_dataset_from_the_same_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "dataset_same_script")
    out = assert_completed(exp, model)
    # SmartRedis' answers to the document's check and to its dataset_exists form (see the app).
    assert "tensor_exists: False" in out.splitlines()
    assert "dataset_exists: False" in out.splitlines()
    assert keyspace(orchestrator) == {
        "model_name.{dataset_name}.dataset_tensor",
        "model_name.{dataset_name}.meta",
    }


def test_interact_dataset_from_another_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    producer = start_app(exp, "model_name", "dataset_producer")
    assert_completed(exp, producer)
    assert keyspace(orchestrator) == {
        "model_name.{dataset_name}.dataset_tensor",
        "model_name.{dataset_name}.meta",
    }
    consumer = start_app(exp, "consumer", "dataset_other_script", prefixing=False, incoming=(producer,))
    assert_completed(exp, consumer)


def test_interact_list_from_the_same_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "list_same_script")
    out = assert_completed(exp, model)
    # The document shows "The list length is 1"; its own f-string ends the text with a period.
    logged = [line for line in out.splitlines() if line.startswith("Default@")]
    assert len(logged) == 1 and re.match(LOG_LINE.format(re.escape("The list length is 1.")), logged[0]), out
    assert keyspace(orchestrator) == {
        "model_name.dataset_list",
        "model_name.{copied_dataset}.dataset_tensor_1",
        "model_name.{copied_dataset}.meta",
    }


def test_interact_list_from_another_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    producer = start_app(exp, "model_name", "list_driver_prefixing")
    assert_completed(exp, producer)
    consumer = start_app(exp, "consumer", "list_other_script", prefixing=False, incoming=(producer,))
    out = assert_completed(exp, consumer)
    logged = [line for line in out.splitlines() if line.startswith("Default@")]
    assert len(logged) == 1 and re.match(LOG_LINE.format(re.escape("The list length is 1.")), logged[0]), out


def test_interact_ml_model_from_the_same_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    pytest.importorskip("tensorflow")
    model = start_app(exp, "model_name", "ml_model_same_script")
    check_execution(orchestrator, exp, model)
    assert keyspace(orchestrator) == {
        "model_name.Identity",
        "model_name.mnist_cnn",
        "model_name.mnist_images",
    }


def test_interact_ml_model_from_another_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    pytest.importorskip("tensorflow")
    producer = start_app(exp, "model_name", "ml_model_producer")
    assert_completed(exp, producer)
    assert keyspace(orchestrator) == {"model_name.mnist_cnn", "model_name.mnist_images"}
    consumer = start_app(exp, "consumer", "ml_model_other_script", prefixing=False, incoming=(producer,))
    check_execution(orchestrator, exp, consumer)
    # Fix: as for scripts below, the document says the output is prefixed, but outputs take the
    # *writer's* prefix (SSKEYOUT), and this consumer has none; SmartRedis stores plain "Identity".
    assert keyspace(orchestrator) == {"Identity", "model_name.mnist_cnn", "model_name.mnist_images"}


def test_interact_script_from_the_same_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    model = start_app(exp, "model_name", "script_same_script")
    check_execution(orchestrator, exp, model)
    assert keyspace(orchestrator) == {"model_name.normalizer", "model_name.X_rand", "model_name.X_norm"}


def test_interact_script_from_another_script(exp: Experiment, orchestrator: Orchestrator) -> None:
    producer = start_app(exp, "model_name", "script_producer")
    assert_completed(exp, producer)
    assert keyspace(orchestrator) == {"model_name.normalizer", "model_name.X_rand"}
    consumer = start_app(exp, "consumer", "script_other_script", prefixing=False, incoming=(producer,))
    check_execution(orchestrator, exp, consumer)
    # Fix: the document says the output is prefixed, but outputs take the *writer's* prefix
    # (SSKEYOUT), and this consumer has none; SmartRedis stores plain "X_norm", and so do we.
    assert keyspace(orchestrator) == {"model_name.normalizer", "model_name.X_rand", "X_norm"}
