import importlib.util

import pytest

from smartsim.ml.tf import freeze_model, serialize_model

HAS_TF = importlib.util.find_spec("tensorflow") is not None


@pytest.mark.skipif(HAS_TF, reason="TensorFlow is installed: the missing-extra message cannot be seen")
def test_missing_tensorflow_names_the_extra(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModuleNotFoundError, match=r"pip install smartsim\[tf\]"):
        serialize_model(object())
    with pytest.raises(ModuleNotFoundError, match=r"pip install smartsim\[tf\]"):
        freeze_model(object(), str(tmp_path), "m.pb")


def test_freeze_and_serialize_a_keras_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    tf = pytest.importorskip("tensorflow")
    inputs = tf.keras.Input(shape=(4,), name="x")
    outputs = tf.keras.layers.Dense(2, name="dense")(inputs)
    model = tf.keras.Model(inputs, outputs)
    path, input_names, output_names = freeze_model(model, str(tmp_path), "m.pb")
    assert path.endswith("m.pb") and (tmp_path / "m.pb").stat().st_size > 0
    blob, same_inputs, same_outputs = serialize_model(model)
    assert blob and same_inputs == input_names and same_outputs == output_names
    assert len(input_names) == 1 and len(output_names) == 1
