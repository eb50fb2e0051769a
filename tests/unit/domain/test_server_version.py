from smartsim.domain.server_version import ServerVersion, parse_server_version


def test_parses_valkey_banner() -> None:
    version = parse_server_version("Valkey server v=8.1.8 sha=00000000:0 malloc=libc bits=64 build=1")
    assert version == ServerVersion("valkey", (8, 1, 8))
    assert version.is_supported
    assert str(version) == "Valkey 8.1.8"


def test_parses_redis_banner() -> None:
    version = parse_server_version("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64")
    assert version == ServerVersion("redis", (7, 0, 15))
    assert version.is_supported


def test_redis_older_than_6_2_is_refused() -> None:
    old = parse_server_version("Redis server v=6.0.16 sha=00000000:0 malloc=jemalloc-5.1.0 bits=64")
    assert old is not None and not old.is_supported
    floor = parse_server_version("Redis server v=6.2.0 sha=0")
    assert floor is not None and floor.is_supported


def test_keydb_is_recognised_but_not_supported() -> None:
    keydb = parse_server_version("KeyDB server v=6.3.4 sha=0")
    assert keydb is not None and not keydb.is_supported


def test_other_text_is_not_a_server() -> None:
    assert parse_server_version("Python 3.11.7") is None
    assert parse_server_version("") is None
