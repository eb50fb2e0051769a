"""The application side: a 'simulation' that stores a field and reads it back.

It finds the database through SSDB (and SR_DB_TYPE), which the driver sets.
"""

import numpy as np

from smartredis import Client

client = Client(logger_name="hello-tensor-app")
field = np.arange(12, dtype=np.float32).reshape(3, 4)
client.put_tensor("field", field)
returned = client.get_tensor("field")

assert client.tensor_exists("field")
assert returned.dtype == field.dtype and np.array_equal(returned, field)
print(f"put_tensor('field') {field.dtype}{list(field.shape)} -> get_tensor('field') returned it unchanged")
print(returned)
