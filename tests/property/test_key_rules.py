"""Properties of the key-naming rules shared by the client and the driver."""

from hypothesis import given
from hypothesis import strategies as st

from smartredis import keys

names = st.text(min_size=1, max_size=30)
prefixes = st.text(max_size=20)
plain_prefix = st.text(alphabet=st.characters(blacklist_characters=","), min_size=1, max_size=12)


@given(name=names, prefix=prefixes, use_prefix=st.booleans())
def test_tensor_key_is_prefix_dot_name_or_name(name: str, prefix: str, use_prefix: bool) -> None:
    key = keys.tensor_key(name, prefix, use_prefix)
    if use_prefix and prefix:
        assert key == f"{prefix}.{name}"
    else:
        assert key == name


@given(entries=st.lists(plain_prefix, max_size=6))
def test_sskeyin_written_by_the_driver_is_read_back_by_the_client(entries: list[str]) -> None:
    assert keys.parse_read_prefixes(keys.join_read_prefixes(entries)) == entries


@given(raw=st.text(max_size=40))
def test_parsed_read_prefixes_are_never_empty_and_contain_no_comma(raw: str) -> None:
    for entry in keys.parse_read_prefixes(raw):
        assert entry and "," not in entry
    assert ",".join(keys.parse_read_prefixes(raw)) == ",".join(p for p in raw.split(",") if p)


@given(
    option=st.sampled_from([keys.SSDB, keys.SR_DB_TYPE, keys.SSKEYIN, keys.SSKEYOUT]),
    identifier=st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,15}", fullmatch=True),
)
def test_driver_env_name_matches_what_a_client_with_that_suffix_reads(option: str, identifier: str) -> None:
    driver_name = keys.db_env_var(option, identifier)
    client_name = keys.suffixed(option, keys.env_suffix_for_db(identifier))
    assert driver_name == client_name
    if identifier == keys.DEFAULT_DB_IDENTIFIER:
        assert driver_name == option
    else:
        assert driver_name == f"{option}_{identifier}"


@given(slot=st.integers(0, keys.HASH_SLOTS - 1))
def test_shard_prefix_hashes_to_its_slot_and_has_no_braces(slot: int) -> None:
    prefix = keys.shard_prefix_for_slot(slot)
    assert keys.crc16(prefix) % keys.HASH_SLOTS == slot
    assert b"{" not in prefix and b"}" not in prefix
    assert len(prefix) in (2, 3)
    assert keys.key_slot(keys.shard_model_key(prefix, "model")) == slot


def test_shard_prefixes_match_smartredis_examples() -> None:
    assert keys.shard_prefix_for_slot(0) == b"\x00\x00"
    assert keys.shard_prefix_for_slot(1) == b"\x9d\x71"
    assert keys.shard_prefix_for_slot(5461) == b"8M"
    assert keys.shard_prefix_for_slot(10923) == b"\xed\xeb"
    assert keys.shard_prefix_for_slot(16383) == b"H\xd7"
    assert sum(len(keys.shard_prefix_for_slot(s)) == 3 for s in range(keys.HASH_SLOTS)) == 255


def test_redis_hash_slot_examples() -> None:
    assert keys.key_slot("foo") == 12182
    assert keys.key_slot("{user1000}.following") == keys.key_slot("{user1000}.followers")
    assert keys.key_slot("foo{}{bar}") == keys.crc16(b"foo{}{bar}") % keys.HASH_SLOTS


def _crc16_bitwise(data: bytes) -> int:
    """The CRC16-XMODEM definition Redis Cluster's keyHashSlot uses, bit by bit."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


@given(data=st.binary(max_size=64))
def test_crc16_is_the_xmodem_crc_redis_cluster_uses(data: bytes) -> None:
    assert keys.crc16(data) == _crc16_bitwise(data)


def test_crc16_check_value_and_known_slots() -> None:
    # The CRC's published check value, and slots redis-cli's CLUSTER KEYSLOT gives.
    assert keys.crc16(b"123456789") == 0x31C3
    assert keys.key_slot("foo") == 12182
    assert keys.key_slot("{user1000}.following") == keys.key_slot("user1000") == 3443
