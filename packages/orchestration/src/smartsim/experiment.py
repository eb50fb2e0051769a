"""``Experiment``: the driver facade a SmartSim script talks to.

It reads like the use-cases: create entities, start them (databases first, then applications
with their environment), watch them, stop them. The adapters it uses are chosen in
:mod:`smartsim.bootstrap`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from smartredis import keys

from . import bootstrap
from .domain.colocation import colocated_address
from .domain.ensemble import Ensemble
from .domain.errors import SmartSimError, SSDBIDConflictError, SSUnsupportedError
from .domain.jobs import Job, JobTable
from .domain.keys_env import db_environment, key_prefix_environment
from .domain.model import Model, ParamValue
from .domain.names import validate_entity_name
from .domain.orchestrator import DEFAULT_DB_IDENTIFIER, Orchestrator
from .domain.settings import RunArgValue, RunSettings
from .domain.status import SmartSimStatus
from .ports.launcher import LaunchRequest
from .preview import render_preview
from .settings import create_run_settings as _create_run_settings
from .summary_table import render_summary

logger = logging.getLogger("smartsim")

Entity = Model | Ensemble | Orchestrator


class Experiment:
    """A set of models and databases launched and watched together from one driver script."""

    def __init__(self, name: str, exp_path: str | None = None, launcher: str = "local") -> None:
        self.name = validate_entity_name(name, "Experiment")
        if exp_path is not None:
            if not isinstance(exp_path, str):
                raise TypeError("exp_path argument was not of type str")
            if not os.path.isdir(exp_path):
                raise NotADirectoryError("Experiment path provided does not exist")
            exp_path = os.path.abspath(exp_path)
        self.exp_path = exp_path if exp_path is not None else os.path.join(os.getcwd(), name)
        self._launcher_name = bootstrap.resolve_launcher_name(launcher)
        self._launcher = bootstrap.make_launcher(self._launcher_name)
        self._lifecycle = bootstrap.make_orchestrator_lifecycle(self._launcher)
        self._workers = bootstrap.make_worker_pools(self._launcher)
        self._jobs = JobTable()
        self._launched: dict[str, Entity] = {}
        self.db_identifiers: set[str] = set()

    @property
    def launcher(self) -> str:
        return self._launcher_name

    # Factories -------------------------------------------------------------------
    def create_run_settings(
        self,
        exe: str,
        exe_args: str | Sequence[str] | None = None,
        run_command: str = "auto",
        run_args: Mapping[str, RunArgValue] | None = None,
        env_vars: Mapping[str, str | None] | None = None,
        container: Any = None,
        **kwargs: Any,
    ) -> RunSettings:
        return _create_run_settings(
            self._launcher_name, exe, exe_args, run_command, run_args, env_vars, container, **kwargs
        )

    def create_batch_settings(
        self,
        nodes: int = 1,
        time: str = "",
        queue: str = "",
        account: str = "",
        batch_args: Mapping[str, str | None] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Batch settings for the experiment's workload manager (none exist for ``local``)."""
        if self._launcher_name == "local":
            raise SmartSimError("Local launcher does not support batch workloads")
        raise SSUnsupportedError(
            f"Batch settings for the {self._launcher_name} launcher are not available yet"
        )

    def preview(
        self,
        *entities: Entity,
        verbosity_level: str = "info",
        output_format: str = "plain_text",
        output_filename: str | None = None,
    ) -> str:
        """A plain-text description of what ``start`` would launch; written to a file or printed."""
        if output_format != "plain_text":
            raise ValueError(f"Only the plain_text preview format exists, not {output_format!r}")
        text = render_preview(self, list(entities), verbosity_level)
        if output_filename:
            with open(output_filename, "w") as handle:
                handle.write(text)
        else:
            print(text)
        return text

    def create_model(
        self,
        name: str,
        run_settings: RunSettings,
        params: Mapping[str, ParamValue] | None = None,
        path: str | None = None,
        enable_key_prefixing: bool = False,
        batch_settings: Any = None,
    ) -> Model:
        model_path = os.path.abspath(path) if path is not None else os.path.join(self.exp_path, str(name))
        model = Model(name, params, run_settings, path=model_path, batch_settings=batch_settings)
        if enable_key_prefixing:
            model.enable_key_prefixing()
        return model

    def create_ensemble(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        batch_settings: Any = None,
        run_settings: RunSettings | None = None,
        replicas: int | None = None,
        perm_strategy: str | Any = "all_perm",
        path: str | None = None,
        **kwargs: Any,
    ) -> Ensemble:
        """Members from a parameter space (``params`` + ``perm_strategy``) or ``replicas`` copies."""
        ensemble_path = os.path.abspath(path) if path is not None else os.path.join(self.exp_path, str(name))
        return Ensemble(
            name,
            params,
            path=ensemble_path,
            batch_settings=batch_settings,
            run_settings=run_settings,
            perm_strat=perm_strategy,
            replicas=replicas,
            **kwargs,
        )

    def create_database(
        self,
        port: int = 6379,
        path: str | None = None,
        db_nodes: int = 1,
        batch: bool = False,
        hosts: list[str] | str | None = None,
        run_command: str = "auto",
        interface: str | list[str] = "ipogif0",
        account: str | None = None,
        time: str | None = None,
        queue: str | None = None,
        single_cmd: bool = True,
        db_identifier: str = DEFAULT_DB_IDENTIFIER,
        **kwargs: Any,
    ) -> Orchestrator:
        if db_identifier in self.db_identifiers:
            logger.warning("A database with the identifier %s has already been made", db_identifier)
        self.db_identifiers.add(db_identifier)
        return Orchestrator(
            path=path if path is not None else os.path.join(self.exp_path, db_identifier),
            port=port,
            interface=interface,
            launcher=self._launcher_name,
            run_command=run_command,
            db_nodes=db_nodes,
            batch=batch,
            hosts=hosts,
            account=account,
            time=time,
            single_cmd=single_cmd,
            db_identifier=db_identifier,
            queue=queue,
            **kwargs,
        )

    def generate(
        self, *entities: Entity, tag: str | None = None, overwrite: bool = False, verbose: bool = False
    ) -> Entity | tuple[Entity, ...] | None:
        """Create the experiment directory and each entity's directory with its attached files.

        Returns the entity (or the tuple of entities) so ``model = exp.generate(model)`` works too.
        """
        if os.path.isfile(self.exp_path):
            raise FileExistsError(f"Experiment path {self.exp_path} is a file")
        os.makedirs(self.exp_path, exist_ok=True)
        generator = bootstrap.entity_generator
        for entity in entities:
            if isinstance(entity, Orchestrator):
                generator.prepare_directory(entity.path, overwrite=True, owner=entity.name)
            elif isinstance(entity, Ensemble):
                for member in entity.models:
                    generator.check_attached_files(member)
                if overwrite and os.path.isdir(entity.path):
                    generator.prepare_directory(entity.path, overwrite=True, owner=entity.name)
                os.makedirs(entity.path, exist_ok=True)
                for member in entity.models:
                    generator.generate_model(member, overwrite, tag)
            elif isinstance(entity, Model):
                generator.generate_model(entity, overwrite, tag)
            else:
                raise TypeError(
                    f"Cannot generate {type(entity).__name__}; expected Model, Ensemble or Orchestrator"
                )
        if not entities:
            return None
        return entities[0] if len(entities) == 1 else entities

    # Launch ----------------------------------------------------------------------
    def start(
        self,
        *entities: Entity,
        block: bool = True,
        summary: bool = False,
        kill_on_interrupt: bool = True,
    ) -> None:
        """Start databases (each ready before anything else starts), then models."""
        databases, models, ensembles = self._check_launchable(entities)
        if summary:
            logger.info("\n%s", render_preview(self, list(entities), "info"))
        for db in databases:
            self._start_database(db)
        self._load_db_objects([*models, *(member for ensemble in ensembles for member in ensemble.models)])
        launched: list[Job] = []
        try:
            for model in models:
                launched.append(self._start_model(model))
            for ensemble in ensembles:
                member_jobs = [self._start_model(member) for member in ensemble.models]
                self._jobs.alias(ensemble.name, member_jobs)
                self._launched[ensemble.name] = ensemble
                launched += member_jobs
            if block and launched:
                self._wait_for(launched)
        except KeyboardInterrupt:
            if kill_on_interrupt:
                for job in launched:
                    self._stop_job(job)
            raise

    def _check_launchable(
        self, entities: Iterable[Entity]
    ) -> tuple[list[Orchestrator], list[Model], list[Ensemble]]:
        databases: list[Orchestrator] = []
        models: list[Model] = []
        ensembles: list[Ensemble] = []
        seen: set[str] = set()
        for entity in entities:
            if not isinstance(entity, (Model, Ensemble, Orchestrator)):
                raise TypeError(
                    f"Argument given to Experiment.start is of type {type(entity).__name__}, "
                    "not a Model, Ensemble or Orchestrator"
                )
            if isinstance(entity, Ensemble) and len(entity) == 0:
                raise ValueError(f"{entity.name} is empty. Nothing to launch.")
            if entity.name in seen:
                raise SmartSimError("User provided two entities with the same name")
            seen.add(entity.name)
            if isinstance(entity, Orchestrator) and any(
                running.db_identifier == entity.db_identifier for running in self._running_databases()
            ):
                raise SSDBIDConflictError(
                    f"Database identifier {entity.db_identifier} has already been used. "
                    "Pass in a unique name for db_identifier"
                )
            self._check_colocated_identifier(entity)
            previous = self._launched.get(entity.name)
            if previous is not None and (previous is not entity or self._jobs.is_running(entity.name)):
                raise SSUnsupportedError("SmartSim entities cannot have duplicate names.")
            if isinstance(entity, Orchestrator):
                databases.append(entity)
            elif isinstance(entity, Ensemble):
                ensembles.append(entity)
            else:
                models.append(entity)
        return databases, models, ensembles

    def _check_colocated_identifier(self, entity: Entity) -> None:
        """A colocated database must not take the variables (SSDB[_id]) of a running one."""
        members = (
            entity.models if isinstance(entity, Ensemble) else [entity] if isinstance(entity, Model) else []
        )
        running = {keys.db_env_var(keys.SSDB, db.db_identifier) for db in self._running_databases()}
        for member in members:
            settings = member.run_settings.colocated_db_settings
            if settings is not None and keys.db_env_var(keys.SSDB, settings["db_identifier"]) in running:
                raise SSDBIDConflictError(
                    f"The colocated database of {member.name} (db_identifier={settings['db_identifier']!r}) "
                    "would use the same SSDB variable as a running database; give it another db_identifier"
                )

    def _running_databases(self) -> list[Orchestrator]:
        return [
            entity
            for name, entity in self._launched.items()
            if isinstance(entity, Orchestrator) and self._jobs.is_running(name)
        ]

    def _start_database(self, db: Orchestrator) -> None:
        jobs = self._lifecycle.start(db, self.exp_path, self._jobs.new_run_id())
        try:
            self._workers.start(db, self.exp_path)
        except BaseException:
            self._workers.stop(db)
            self._lifecycle.stop(db, jobs)
            raise
        self._jobs.add(db.name, jobs)
        self._launched[db.name] = db
        logger.info("Orchestrator %s is ready at %s", db.name, ", ".join(db.get_address()))

    def _load_db_objects(self, models: list[Model]) -> None:
        """Load the ML models and scripts attached to (non-colocated) models into every running
        database before any of them starts."""
        wanted = [model for model in models if not model.colocated and (model.db_models or model.db_scripts)]
        for db in self._running_databases() if wanted else []:
            for model in wanted:
                bootstrap.object_loader.load_into(db.get_address(), model.db_models, model.db_scripts)

    def _model_environment(self, model: Model) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {name: "" if value is None else str(value) for name, value in model.run_settings.env_vars.items()}
        )
        for db in self._running_databases():
            env.update(db.client_environment())
        settings = model.run_settings.colocated_db_settings
        if settings is not None:
            env.update(db_environment(settings["db_identifier"], [colocated_address(settings)]))
        env.update(
            key_prefix_environment(
                model.name, model.query_key_prefixing(), [entity.name for entity in model.incoming_entities]
            )
        )
        return env

    def _start_model(self, model: Model) -> Job:
        os.makedirs(model.path, exist_ok=True)
        argv = model.run_settings.command_line()
        settings = model.run_settings.colocated_db_settings
        if settings is not None:
            argv = bootstrap.colocated_launch.wrapper_argv(
                model.name, model.path, settings, argv, model.db_models, model.db_scripts
            )
        request = LaunchRequest(
            name=model.name,
            argv=argv,
            cwd=model.path,
            env=self._model_environment(model),
            out_path=os.path.join(model.path, f"{model.name}.out"),
            err_path=os.path.join(model.path, f"{model.name}.err"),
            kind="model",
            experiment_path=self.exp_path,
        )
        job_id = self._launcher.launch(request)
        job = Job(
            model.name,
            model.type,
            job_id,
            self._launcher.name,
            self._jobs.new_run_id(),
            SmartSimStatus.STATUS_RUNNING,
        )
        self._jobs.add(model.name, [job])
        self._launched[model.name] = model
        return job

    def _wait_for(self, jobs: list[Job], timeout: float | None = None) -> None:
        finals = self._launcher.wait([job.job_id for job in jobs], timeout=timeout)
        for job in jobs:
            info = finals.get(job.job_id)
            if info is not None:
                job.record(info.status, info.returncode)

    def _refresh(self, jobs: list[Job]) -> None:
        pending = [job for job in jobs if not job.is_terminal]
        if not pending:
            return
        infos = self._launcher.statuses(job.job_id for job in pending)
        for job in pending:
            info = infos[job.job_id]
            job.record(info.status, info.returncode)

    def _stop_job(self, job: Job) -> None:
        if job.is_terminal:
            return
        info = self._launcher.stop(job.job_id)
        job.record(SmartSimStatus.STATUS_CANCELLED, info.returncode)

    # Watch and stop --------------------------------------------------------------
    def _jobs_of(self, entity: Entity) -> list[Job]:
        if not self._jobs.knows(entity.name) or self._launched.get(entity.name) is not entity:
            raise KeyError(f"Entity {entity.name} has not been launched by this experiment")
        return self._jobs.jobs_of(entity.name)

    @staticmethod
    def _by_kind(entities: Iterable[Entity]) -> list[Entity]:
        """Models, then ensembles, then databases: the order SmartSim reports and stops them in."""
        entities = list(entities)
        return [
            *(e for e in entities if isinstance(e, Model)),
            *(e for e in entities if isinstance(e, Ensemble)),
            *(e for e in entities if isinstance(e, Orchestrator)),
        ]

    def stop(self, *entities: Entity) -> None:
        """Stop models and ensembles (SIGTERM, then SIGKILL), then databases (SHUTDOWN first)."""
        for entity in self._by_kind(entities):
            jobs = self._jobs_of(entity)
            if isinstance(entity, Orchestrator):
                self._workers.stop(entity)
                self._lifecycle.stop(entity, jobs)
            else:
                for job in jobs:
                    self._stop_job(job)

    def get_status(self, *entities: Entity) -> list[SmartSimStatus]:
        """One status per model, ensemble member and database shard (models, ensembles, then
        databases, as SmartSim orders them)."""
        statuses: list[SmartSimStatus] = []
        for entity in self._by_kind(entities):
            if not self._jobs.knows(entity.name):
                count = len(entity) if isinstance(entity, (Orchestrator, Ensemble)) else 1
                statuses += [SmartSimStatus.STATUS_NEVER_STARTED] * count
                continue
            jobs = self._jobs.jobs_of(entity.name)
            self._refresh(jobs)
            statuses += [job.status for job in jobs]
        return statuses

    def finished(self, entity: Entity) -> bool:
        if isinstance(entity, Orchestrator):
            raise TypeError("Finished() does not support Orchestrator instances")
        if not self._jobs.knows(entity.name):
            raise ValueError(f"{entity.name} has not been launched in this Experiment")
        jobs = self._jobs.jobs_of(entity.name)
        self._refresh(jobs)
        return all(job.is_terminal for job in jobs)

    def poll(self, interval: int = 10, verbose: bool = True, kill_on_interrupt: bool = True) -> None:
        """Return when no model is running; log their statuses every ``interval`` seconds."""
        model_jobs = [
            job
            for name, entity in self._launched.items()
            if isinstance(entity, Model)
            for job in self._jobs.jobs_of(name)
        ]
        try:
            while any(not job.is_terminal for job in model_jobs):
                self._wait_for([job for job in model_jobs if not job.is_terminal], timeout=interval)
                if verbose:
                    for job in model_jobs:
                        logger.info("%s(%s): %s", job.name, job.job_id, job.status.value)
        except KeyboardInterrupt:
            if kill_on_interrupt:
                for job in model_jobs:
                    self._stop_job(job)
            raise

    def summary(self, style: str = "github") -> str:
        """A table of every finished run: name, type, job id, run id, time, status, exit code."""
        for name in list(self._launched):
            self._refresh(self._jobs.jobs_of(name))
        return render_summary([job for job in self._jobs.history if job.is_terminal], style)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Experiment(name={self.name!r}, exp_path={self.exp_path!r}, launcher={self._launcher_name!r})"
