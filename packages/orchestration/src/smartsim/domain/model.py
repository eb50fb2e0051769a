"""``Model``: one application run (an executable with run settings) and its data-sharing rules."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from .colocation import colocated_settings
from .db_objects import DBModel, DBScript
from .errors import EntityExistsError, SSUnsupportedError
from .files import EntityFiles
from .names import validate_entity_name
from .settings import RunSettings

ParamValue = str | int | float


def stringify_params(params: Mapping[str, ParamValue] | None) -> dict[str, str]:
    """Model parameters are kept as strings; other value types are refused."""
    result: dict[str, str] = {}
    for name, value in (params or {}).items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise TypeError(
                f"Incorrect type for model parameters: {name}={value!r}. Must be str, int or float."
            )
        result[name] = str(value)
    return result


class Model:
    """An executable to launch, where it runs (``path``), and how it shares keys."""

    type = "Model"

    def __init__(
        self,
        name: str,
        params: Mapping[str, ParamValue] | None,
        run_settings: RunSettings,
        path: str | None = None,
        params_as_args: list[str] | None = None,
        batch_settings: Any = None,
    ) -> None:
        self.name = validate_entity_name(name, "Model")
        if not isinstance(run_settings, RunSettings):
            raise TypeError("run_settings must be a RunSettings instance")
        self.params = stringify_params(params)
        self.run_settings = run_settings
        self.path = path if path is not None else os.path.join(os.getcwd(), name)
        self.params_as_args = list(params_as_args or [])
        self.batch_settings = batch_settings
        self.incoming_entities: list[Any] = []
        self._key_prefixing_enabled = False
        self.files: EntityFiles | None = None
        self._db_models: list[DBModel] = []
        self._db_scripts: list[DBScript] = []

    # Parameters --------------------------------------------------------------------------------
    def params_to_args(self) -> None:
        """Add each parameter named in ``params_as_args`` to the executable's arguments."""
        for name in self.params_as_args:
            if name not in self.params:
                raise ValueError(
                    f"Tried to convert {name} to command line argument for Model {self.name}, "
                    "but its value was not found in model params"
                )
            self.run_settings.add_exe_args(param_as_args(name, self.params[name]))

    # Attached files ----------------------------------------------------------------------------
    def attach_generator_files(
        self,
        to_copy: str | list[str] | None = None,
        to_symlink: str | list[str] | None = None,
        to_configure: str | list[str] | None = None,
    ) -> None:
        """Files and directories to copy, link, or copy with tagged parameters filled in when the
        model is generated; replaces any earlier attachment. Existence is checked then."""
        self.files = EntityFiles.from_arguments(to_copy, to_symlink, to_configure)

    @property
    def attached_files_table(self) -> str:
        return self.files.table() if self.files else "No file attached to this model."

    def print_attached_files(self) -> None:
        print(self.attached_files_table)

    # Key prefixing -----------------------------------------------------------
    def enable_key_prefixing(self) -> None:
        """Prefix this model's keys with its name (``SSKEYOUT=<name>`` in its environment)."""
        self._key_prefixing_enabled = True

    def disable_key_prefixing(self) -> None:
        self._key_prefixing_enabled = False

    def query_key_prefixing(self) -> bool:
        return self._key_prefixing_enabled

    def register_incoming_entity(self, incoming_entity: Any) -> None:
        """Let this model read keys written by ``incoming_entity`` (listed in ``SSKEYIN``)."""
        if any(entity.name == incoming_entity.name for entity in self.incoming_entities):
            raise EntityExistsError(
                f"'{incoming_entity.name}' has already been registered as an incoming entity"
            )
        self.incoming_entities.append(incoming_entity)

    # Colocated database ---------------------------------------------------------------------
    def colocate_db_tcp(
        self,
        port: int = 6379,
        ifname: str | list[str] = "lo",
        db_cpus: int = 1,
        custom_pinning: Iterable[Any] | None = None,
        debug: bool = False,
        db_identifier: str = "",
        **kwargs: Any,
    ) -> None:
        """Run a database next to this model, reached at 127.0.0.1:<port>."""
        self._colocate(
            colocated_settings(
                port=port,
                ifname=ifname,
                unix_socket=None,
                socket_permissions=0o755,
                db_cpus=db_cpus,
                custom_pinning=custom_pinning,
                debug=debug,
                db_identifier=db_identifier,
                kwargs=kwargs,
            )
        )

    def colocate_db_uds(
        self,
        unix_socket: str = "/tmp/redis.socket",
        socket_permissions: int = 755,
        db_cpus: int = 1,
        custom_pinning: Iterable[Any] | None = None,
        debug: bool = False,
        db_identifier: str = "",
        **kwargs: Any,
    ) -> None:
        """Run a database next to this model, reached through a Unix socket only.

        ``socket_permissions`` is written as octal digits, as for chmod: 755 means rwxr-xr-x.
        """
        self._colocate(
            colocated_settings(
                port=0,
                ifname=None,
                unix_socket=unix_socket,
                socket_permissions=socket_permissions,
                db_cpus=db_cpus,
                custom_pinning=custom_pinning,
                debug=debug,
                db_identifier=db_identifier,
                kwargs=kwargs,
            )
        )

    def colocate_db(self, *args: Any, **kwargs: Any) -> None:
        """Deprecated: use colocate_db_tcp."""
        warnings.warn("colocate_db is deprecated; use colocate_db_tcp", FutureWarning, stacklevel=2)
        self.colocate_db_tcp(*args, **kwargs)

    # ML models and scripts loaded before the model runs ----------------------------------------
    def add_ml_model(
        self,
        name: str,
        backend: str,
        model: bytes | None = None,
        model_path: str | None = None,
        device: str = "CPU",
        devices_per_node: int = 1,
        first_device: int = 0,
        batch_size: int = 0,
        min_batch_size: int = 0,
        min_batch_timeout: int = 0,
        tag: str = "",
        inputs: list[str] | None = None,
        outputs: list[str] | None = None,
    ) -> None:
        entry = DBModel.create(
            name,
            backend,
            model,
            model_path,
            device,
            devices_per_node,
            first_device,
            batch_size,
            min_batch_size,
            min_batch_timeout,
            tag,
            inputs,
            outputs,
        )
        self._add_db_object(entry, self._db_models)

    def add_script(
        self,
        name: str,
        script: str | None = None,
        script_path: str | None = None,
        device: str = "CPU",
        devices_per_node: int = 1,
        first_device: int = 0,
    ) -> None:
        entry = DBScript.create(name, script, script_path, None, device, devices_per_node, first_device)
        self._add_db_object(entry, self._db_scripts)

    def add_function(
        self,
        name: str,
        function: Any = None,
        device: str = "CPU",
        devices_per_node: int = 1,
        first_device: int = 0,
    ) -> None:
        entry = DBScript.create(name, None, None, function, device, devices_per_node, first_device)
        self._add_db_object(entry, self._db_scripts)

    def _add_db_object(self, entry: DBModel | DBScript, store: list[Any]) -> None:
        if any(existing.name == entry.name for existing in store):
            raise SSUnsupportedError(f"An object named {entry.name} is already attached to {self.name}")
        self._check_colocated_objects(self.run_settings.colocated_db_settings, [entry])
        store.append(entry)

    @staticmethod
    def _check_colocated_objects(settings: dict[str, Any] | None, entries: list[Any]) -> None:
        """A colocated database is loaded inside the job: in-memory objects cannot travel there."""
        if settings is None:
            return
        for entry in entries:
            if isinstance(entry, DBModel) and entry.in_memory:
                raise SSUnsupportedError(
                    "Models can not be set from memory for colocated databases: give "
                    f"{entry.name} as model_path"
                )
            if isinstance(entry, DBScript) and entry.in_memory_function:
                raise SSUnsupportedError(
                    "Functions can not be set from memory for colocated databases: give "
                    f"{entry.name} as source text or a script file"
                )

    def _colocate(self, settings: dict[str, Any]) -> None:
        self._check_colocated_objects(settings, [*self._db_models, *self._db_scripts])
        self.run_settings.colocated_db_settings = settings

    @property
    def db_models(self) -> list[DBModel]:
        return list(self._db_models)

    @property
    def db_scripts(self) -> list[DBScript]:
        return list(self._db_scripts)

    @property
    def colocated(self) -> bool:
        return self.run_settings.colocated_db_settings is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"Model(name={self.name!r}, path={self.path!r})"

    def __str__(self) -> str:
        return f"Name: {self.name}\nType: {self.type}\nExecutable: {self.run_settings.exe}\n"


def param_as_args(name: str, value: str) -> list[str]:
    """``--name=value`` (long names), ``-n value`` (one letter or a leading single dash)."""
    if name.startswith("--"):
        return [f"{name}={value}"]
    if name.startswith("-"):
        return [name, value]
    if len(name) == 1:
        return [f"-{name}", value]
    return [f"--{name}={value}"]
