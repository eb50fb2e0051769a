"""Generation of entity directories: copy, link and configure attached files.

Copies keep permission bits (an executable script stays executable); a copied directory's
contents are merged into the entity directory. Configured files get their tagged parameters
filled in; tags that name no parameter are left as they are and reported.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from ...domain.files import RESERVED_FILE_NAME, EntityFiles
from ...domain.model import Model
from ...domain.tagging import DEFAULT_TAG, substitute

logger = logging.getLogger("smartsim")


def check_attached_files(model: Model) -> None:
    """Every attached path must exist; raise naming the first that does not."""
    if model.files is None:
        return
    for path in model.files.all_paths():
        if not os.path.exists(path):
            raise FileNotFoundError(f"File or Directory {path} not found (attached to {model.name})")


def prepare_directory(path: str, overwrite: bool, owner: str) -> None:
    """Create ``path``; an existing non-empty one is an error unless ``overwrite`` clears it."""
    target = Path(path)
    if target.is_file():
        raise FileExistsError(f"Directory for entity {owner} is a file: {path}")
    if target.is_dir() and any(target.iterdir()):
        if not overwrite:
            raise FileExistsError(f"Directory for entity {owner} already exists in path {path}")
        shutil.rmtree(target)
    target.mkdir(parents=True, exist_ok=True)


def _copy(source: str, destination: Path) -> None:
    if os.path.isdir(source):
        shutil.copytree(source, destination, dirs_exist_ok=True, symlinks=True)
    else:
        shutil.copy2(source, destination / os.path.basename(source))


def _configure_tree(source: str, destination: Path, model: Model, tag: str) -> dict[str, list[str]]:
    """Copy ``source`` (a file, or a directory whose contents go to the entity root) with tags
    filled in. Returns, per file, the parameters it used."""
    used: dict[str, list[str]] = {}
    if os.path.isdir(source):
        for root, dirs, files in os.walk(source):
            for directory in dirs:
                if os.path.islink(os.path.join(root, directory)):
                    raise ValueError(
                        f"Symlinked directories cannot be configured: {os.path.join(root, directory)}"
                    )
            relative = Path(root).relative_to(source)
            (destination / relative).mkdir(parents=True, exist_ok=True)
            for name in files:
                used.update(
                    _configure_file(os.path.join(root, name), destination / relative / name, model, tag)
                )
    else:
        used.update(_configure_file(source, destination / os.path.basename(source), model, tag))
    return used


def _configure_file(source: str, target: Path, model: Model, tag: str) -> dict[str, list[str]]:
    text = Path(source).read_text()
    result = substitute(text, model.params, tag)
    target.write_text(result.text)
    shutil.copymode(source, target)
    for name, lines in result.unknown.items():
        logger.warning(
            "%s: tag %s%s%s on line(s) %s names no parameter of %s; left as it is",
            source,
            tag,
            name,
            tag,
            lines,
            model.name,
        )
    return {str(target): sorted(result.used)}


def generate_model(model: Model, overwrite: bool, tag: str | None) -> None:
    """Build the model's directory from its attached files."""
    check_attached_files(model)
    prepare_directory(model.path, overwrite, model.name)
    files = model.files or EntityFiles()
    destination = Path(model.path)
    for source in files.to_copy:
        _copy(source, destination)
    for source in files.to_symlink:
        link = destination / os.path.basename(source.rstrip("/"))
        link.symlink_to(os.path.abspath(source))
    used: dict[str, list[str]] = {}
    for source in files.to_configure:
        used.update(_configure_tree(source, destination, model, tag or DEFAULT_TAG))
    if used:
        _write_params_record(destination, model, used)


def _write_params_record(destination: Path, model: Model, used: dict[str, list[str]]) -> None:
    lines = [f"Model name: {model.name}", f"Generated: {time.strftime('%Y-%m-%d %H:%M:%S')}"]
    for path, names in sorted(used.items()):
        lines.append(f"{os.path.basename(path)}: " + ", ".join(f"{n}={model.params[n]}" for n in names))
    (destination / RESERVED_FILE_NAME).write_text("\n".join(lines) + "\n")
