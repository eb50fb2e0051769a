import pytest

from smartredis import RedisRuntimeError, keys


def test_env_suffix_rules() -> None:
    assert keys.db_env_var("SSDB", "orchestrator") == "SSDB"
    assert keys.db_env_var("SSDB", "") == "SSDB"
    assert keys.db_env_var("SR_DB_TYPE", "db2") == "SR_DB_TYPE_db2"
    assert keys.suffixed("SSKEYIN", "db2") == "SSKEYIN_db2"


def test_prefix_formatting() -> None:
    assert keys.format_prefix("") == ""
    assert keys.format_prefix("sim") == "sim."
    assert keys.tensor_key("t", "sim") == "sim.t"
    assert keys.tensor_key("t", "sim", use_prefix=False) == "t"
    assert keys.tensor_key("t", "") == "t"


def test_read_prefixes_drop_empty_entries_and_keep_spaces() -> None:
    assert keys.parse_read_prefixes(",a,,b,") == ["a", "b"]
    assert keys.parse_read_prefixes(" in1,in2") == [" in1", "in2"]
    assert keys.parse_read_prefixes("") == []


def test_reserved_and_empty_tensor_names() -> None:
    # SmartRedis' own class and texts: code that catches RedisRuntimeError keeps working.
    with pytest.raises(
        RedisRuntimeError, match=r"^\.meta is an internally reserved name that is not allowed\.$"
    ):
        keys.validate_tensor_key(".meta")
    with pytest.raises(RedisRuntimeError, match=r"^A name must be provided for the tensor$"):
        keys.validate_tensor_key("")
    keys.validate_tensor_key("x.meta")


def test_db_type() -> None:
    assert keys.db_type_for(1) == "Standalone"
    assert keys.db_type_for(3) == "Clustered"
