"""The user models folder: models trained (or uploaded) by users, never pretrained/.

Where: $VAE_EXPLORER_MODELS if set, else `models/` in the user's data
directory (platformdirs: ~/.local/share/vae-explorer/models on Linux,
~/Library/Application Support/vae-explorer/models on macOS,
%LOCALAPPDATA%\\vae-explorer\\models on Windows).
Quota: $VAE_EXPLORER_MODELS_QUOTA_MB megabytes in all (default 500).

Each model is a folder `<name>/` with model.json beside its weights; it is
known to the registry as "user:<name>" so it never shadows a shipped model.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from pathlib import Path

import platformdirs

from ..errors import CheckpointError
from ..fileio import remove_stale_temporaries

USER_PREFIX = "user:"
DEFAULT_QUOTA_MB = 500
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class UserModelsFullError(CheckpointError):
    """The user models folder has reached its size quota."""


def user_models_dir() -> Path:
    root = os.environ.get("VAE_EXPLORER_MODELS")
    return Path(root).expanduser() if root else Path(platformdirs.user_data_dir("vae-explorer")) / "models"


def quota_bytes() -> int:
    raw = os.environ.get("VAE_EXPLORER_MODELS_QUOTA_MB", str(DEFAULT_QUOTA_MB))
    try:
        return int(float(raw) * 1024 * 1024)
    except ValueError:
        raise CheckpointError(f"VAE_EXPLORER_MODELS_QUOTA_MB must be a number of megabytes, got {raw!r}") from None


def used_bytes() -> int:
    root = user_models_dir()
    if not root.is_dir():
        return 0
    for folder in [root, *(p for p in root.iterdir() if p.is_dir())]:
        remove_stale_temporaries(folder)  # a killed save's leftovers would otherwise count for ever
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def check_quota(extra_bytes: int) -> None:
    """Refuse, with a clear message, a write that would take the folder over its quota."""
    used, limit = used_bytes(), quota_bytes()
    if used + extra_bytes > limit:
        raise UserModelsFullError(
            f"the user models folder is full: {used / 2**20:.1f} MB used of its {limit / 2**20:.0f} MB quota, "
            f"and this model needs {extra_bytes / 2**20:.1f} MB more; delete some models, or ask whoever runs "
            "the server to raise VAE_EXPLORER_MODELS_QUOTA_MB", local_detail=f"the folder is {user_models_dir()}")


def list_user_models() -> list[str]:
    """Registry names ("user:<name>") of the user's models, sorted."""
    root = user_models_dir()
    if not root.is_dir():
        return []
    return sorted(USER_PREFIX + p.name for p in root.iterdir()
                  if _NAME.match(p.name) and (p / "model.json").is_file())


def is_user_model(name: str) -> bool:
    return str(name).startswith(USER_PREFIX)


def user_model_path(name: str) -> Path | None:
    """The folder of "user:<name>", or None when the name is not a safe user model name."""
    bare = str(name)[len(USER_PREFIX):] if is_user_model(name) else str(name)
    return user_models_dir() / bare if _NAME.match(bare) else None


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9._-]+", "-", str(text).lower()).strip("-._")[:40]
    return s or "model"


def reserve_name(base: str) -> tuple[str, Path]:
    """A new, unique folder in the user models folder, created now so no other run can take it.

    mkdir is atomic, so two runs asking for the same base name get different folders.
    """
    root = user_models_dir()
    root.mkdir(parents=True, exist_ok=True)
    stem = f"{slug(base)}-{time.strftime('%Y%m%d-%H%M%S')}"
    for i in range(1, 1000):
        name = stem if i == 1 else f"{stem}-{i}"
        try:
            (root / name).mkdir()
        except FileExistsError:
            continue
        return USER_PREFIX + name, root / name
    raise CheckpointError(f"could not find a free model name for {base!r} in the user models folder",
                          local_detail=f"the folder is {root}")


def folder_bytes(name: str) -> int:
    """What "user:<name>" occupies on disk (0 when it does not exist): for per-visitor accounting."""
    folder = user_model_path(name)
    if folder is None or not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def rename_user_model(name: str, new_label: str) -> str:
    """Give "user:<name>" a new name made from `new_label`; returns the new "user:<name>". The new folder is
    claimed with mkdir first (atomic), so a rename never replaces another model."""
    folder = user_model_path(name)
    if folder is None or not (folder / "model.json").is_file():
        raise CheckpointError("no such model")
    new = slug(new_label)
    target = user_models_dir() / new
    if new == folder.name:
        return USER_PREFIX + new
    try:
        target.mkdir()
    except FileExistsError:
        raise CheckpointError(f"a model named {new} already exists; choose another name") from None
    try:
        os.replace(folder, target)  # over the empty folder just claimed
    except OSError:
        target.rmdir()
        raise CheckpointError("the model could not be renamed") from None
    return USER_PREFIX + new


def delete_user_model(name: str) -> None:
    """Remove "user:<name>": renamed out of the listing first (one atomic step), then deleted."""
    folder = user_model_path(name)
    if folder is None or not folder.is_dir():
        raise CheckpointError("no such model")
    doomed = folder.with_name(f".deleting-{uuid.uuid4().hex[:12]}")
    os.replace(folder, doomed)
    shutil.rmtree(doomed, ignore_errors=True)
