"""Build of the AI module: every C file of ``smartsim/server/module`` becomes one shared object.

The object is a server module, not a Python extension: the server loads it with
``--loadmodule`` and Python only locates it (``smartsim.adapters.database.ai_module``).
Building it as an ``Extension`` lets pip compile it for regular and editable installs alike.
"""

from pathlib import Path

from setuptools import Extension, setup

MODULE_DIR = Path("src/smartsim/server/module")

ai_module = Extension(
    name="smartsim.server.module._smartsim_ai",
    sources=sorted(str(path) for path in MODULE_DIR.glob("*.c")),
    include_dirs=[str(MODULE_DIR)],
    extra_compile_args=[
        "-std=gnu11",
        "-O2",
        "-g",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-fvisibility=hidden",
    ],
    extra_link_args=["-Wl,-z,defs"],
)

setup(ext_modules=[ai_module])
