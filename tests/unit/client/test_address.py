import random

import pytest

from smartredis.address import TcpAddress, UnixAddress, choose_address, parse_address, parse_ssdb


def test_host_port_forms() -> None:
    assert parse_address("127.0.0.1:6379") == TcpAddress("127.0.0.1", 6379)
    assert parse_address("tcp://node1:6780") == TcpAddress("node1", 6780)
    assert parse_address("localhost:0x1f90") == TcpAddress("localhost", 8080)


def test_unix_socket() -> None:
    address = parse_address("unix:///tmp/db.sock")
    assert address == UnixAddress("/tmp/db.sock")
    assert str(address) == "unix:///tmp/db.sock"


@pytest.mark.parametrize("entry", ["127.0.0.1", "host:", ":6379", "host:abc", "host:70000", "unix://"])
def test_bad_entries_name_the_entry(entry: str) -> None:
    with pytest.raises(ValueError, match="is not a valid database node address"):
        parse_address(entry)


def test_lists_and_forbidden_characters() -> None:
    assert parse_ssdb("a:1,b:2") == [TcpAddress("a", 1), TcpAddress("b", 2)]
    with pytest.raises(ValueError, match="because of character ;"):
        parse_ssdb("a:1;b:2")
    with pytest.raises(ValueError, match="SSDB must be set"):
        parse_ssdb("")


def test_choice_is_among_the_entries() -> None:
    entries = parse_ssdb("a:1,b:2,c:3")
    rng = random.Random(7)
    assert {choose_address(entries, rng) for _ in range(50)} == set(entries)
