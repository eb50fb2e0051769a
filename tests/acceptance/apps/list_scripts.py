"""Prints every script of the database in SSDB: key, device and source, sorted by key."""

from __future__ import annotations

import os

import redis

address = os.environ["SSDB"]
if address.startswith("unix://"):
    connection = redis.Redis(unix_socket_path=address[len("unix://") :], decode_responses=True)
else:
    host, port = address.removeprefix("tcp://").rsplit(":", 1)
    connection = redis.Redis(host=host, port=int(port), decode_responses=True)
for key in sorted(connection.keys("*")):
    reply = connection.execute_command("AI.SCRIPTGET", key, "META", "SOURCE")
    fields = dict(zip(reply[::2], reply[1::2], strict=True))
    print(key, fields["device"], repr(fields["source"]))
