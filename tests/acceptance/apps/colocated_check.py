"""Application of the colocated example: a round trip through the colocated database."""

from __future__ import annotations

import os

import numpy as np

from smartredis import Client

client = Client()
client.put_tensor("x", np.arange(4))
assert (client.get_tensor("x") == np.arange(4)).all()
print("round trip ok")
# The example's `maxclients` reaches the server.
print("maxclients", client.config_get("maxclients", os.environ["SSDB"])["maxclients"])
