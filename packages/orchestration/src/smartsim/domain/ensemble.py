"""``Ensemble``: many models made from one set of run settings and a parameter space."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .errors import EntityExistsError, SmartSimError
from .model import Model
from .names import validate_entity_name
from .settings import RunSettings
from .strategies import normalise_param_values, resolve_strategy


class Ensemble:
    """Members ``<name>_<i>``, each a Model in ``<path>/<name>_<i>`` with key prefixing on."""

    type = "Ensemble"

    def __init__(
        self,
        name: str,
        params: Mapping[str, Any] | None,
        path: str | None = None,
        params_as_args: list[str] | None = None,
        batch_settings: Any = None,
        run_settings: RunSettings | None = None,
        perm_strat: str | Callable[..., Any] = "all_perm",
        **kwargs: Any,
    ) -> None:
        self.name = validate_entity_name(name, "Ensemble")
        self.path = path if path is not None else os.path.join(os.getcwd(), name)
        self.params = dict(params or {})
        self.params_as_args = list(params_as_args or [])
        self.batch_settings = batch_settings
        self.run_settings = run_settings
        self._members: list[Model] = []
        self._attached: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        replicas = kwargs.pop("replicas", None)
        n_models = int(kwargs.pop("n_models", 0) or 0)
        if run_settings is None and batch_settings is None:
            raise SmartSimError("Ensemble must be provided batch settings or run settings")
        if run_settings is not None:
            if self.params:
                names, values = normalise_param_values(self.params)
                for index, param_set in enumerate(resolve_strategy(perm_strat)(names, values, n_models)):
                    self._add_member(index, param_set, run_settings)
            elif replicas:
                if not isinstance(replicas, int) or replicas < 1:
                    raise ValueError(f"replicas must be a positive integer, got {replicas!r}")
                for index in range(replicas):
                    self._add_member(index, {}, run_settings)
            else:
                raise SmartSimError(
                    f"Ensemble {name!r} was given run settings but neither 'params' nor 'replicas' "
                    "to make its members from"
                )

    def _add_member(self, index: int, param_set: dict[str, str], run_settings: RunSettings) -> None:
        member_name = f"{self.name}_{index}"
        member = Model(
            member_name,
            param_set,
            run_settings.copy(),
            path=os.path.join(self.path, member_name),
            params_as_args=self.params_as_args,
        )
        member.enable_key_prefixing()
        member.params_to_args()
        self._members.append(member)

    @property
    def models(self) -> list[Model]:
        return list(self._members)

    @property
    def batch(self) -> bool:
        return bool(self.batch_settings)

    def add_model(self, model: Model) -> None:
        if not isinstance(model, Model):
            raise TypeError(f"add_model takes a Model, got {type(model).__name__}")
        if any(member.name == model.name for member in self._members):
            raise EntityExistsError(f"Model {model.name} already exists in ensemble {self.name}")
        for method, args, kwargs in self._attached:
            getattr(model, method)(*args, **kwargs)
        self._members.append(model)

    def register_incoming_entity(self, incoming_entity: Any) -> None:
        for member in self._members:
            member.register_incoming_entity(incoming_entity)

    def enable_key_prefixing(self) -> None:
        for member in self._members:
            member.enable_key_prefixing()

    def query_key_prefixing(self) -> bool:
        return all(member.query_key_prefixing() for member in self._members)

    def attach_generator_files(
        self,
        to_copy: str | list[str] | None = None,
        to_symlink: str | list[str] | None = None,
        to_configure: str | list[str] | None = None,
    ) -> None:
        for member in self._members:
            member.attach_generator_files(to_copy, to_symlink, to_configure)

    # Objects attached to every member, present and future ----------------------------------
    def add_ml_model(self, name: str, backend: str, **kwargs: Any) -> None:
        self._attach("add_ml_model", name, backend, **kwargs)

    def add_script(self, name: str, **kwargs: Any) -> None:
        self._attach("add_script", name, **kwargs)

    def add_function(self, name: str, **kwargs: Any) -> None:
        self._attach("add_function", name, **kwargs)

    def _attach(self, method: str, *args: Any, **kwargs: Any) -> None:
        for member in self._members:
            getattr(member, method)(*args, **kwargs)
        self._attached.append((method, args, kwargs))

    def __getitem__(self, name: str) -> Model | None:
        return next((member for member in self._members if member.name == name), None)

    def __iter__(self) -> Iterator[Model]:
        return iter(list(self._members))

    def __len__(self) -> int:
        return len(self._members)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ensemble) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"Ensemble(name={self.name!r}, members={len(self._members)})"
