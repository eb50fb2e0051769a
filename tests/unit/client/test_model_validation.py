import pytest

from smartredis.error import RedisRuntimeError
from smartredis.model_commands import _check_backend, _check_batch_settings, _check_device, _gpu_indices


def test_backend_names_are_upper_cased_and_checked() -> None:
    assert _check_backend("torch") == "TORCH"
    assert _check_backend("Onnx") == "ONNX"
    with pytest.raises(TypeError, match="Backend type PYTORCH unsupported"):
        _check_backend("PYTORCH")


def test_devices() -> None:
    assert _check_device("cpu") == "CPU"
    assert _check_device("gpu:1") == "GPU:1"
    with pytest.raises(TypeError, match="must start with either CPU or GPU"):
        _check_device("TPU")
    with pytest.raises(RedisRuntimeError, match="CPU:1 is not a valid device"):
        _check_device("CPU:1")


@pytest.mark.parametrize(("batch", "min_batch", "timeout"), [(0, 1, 0), (0, 0, 5), (4, 0, 5)])
def test_inconsistent_batch_settings(batch: int, min_batch: int, timeout: int) -> None:
    with pytest.raises(RedisRuntimeError):
        _check_batch_settings(batch, min_batch, timeout)


def test_multi_gpu_range_covers_what_smartredis_writes_and_runs() -> None:
    first, count = 1, 3
    smartredis_writes = set(range(first, count))  # its loop stops at num_gpus - 1
    runs_target = {first + offset % count for offset in range(10)}
    assert smartredis_writes | runs_target <= set(_gpu_indices(first, count))
