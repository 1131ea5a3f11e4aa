"""Checkpoints: weights in safetensors plus a JSON sidecar. Never pickle.

    model.safetensors   the state dict, float32 (model.<sha12>.safetensors
                        after a checkpoint is replaced: the sidecar names it)
    model.json          format, config, weights file and its sha256, data set,
                        command, seed, training time, metrics, history

The sidecar carries the weights' hash, so a truncated, edited or swapped
weights file is caught before any tensor is used.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from ..errors import CheckpointError, ConfigError
from ..fileio import atomic_write_bytes, atomic_write_text, parse_json, remove_stale_temporaries
from .checkpoint_guard import check_weights_fit, read_sidecar_json, read_weights
from .config import VAEConfig
from .model import VAE

FORMAT = "vae_core.checkpoint"
FORMAT_VERSION = 1


def checkpoint_paths(path: str | Path) -> tuple[Path, Path]:
    """(weights, sidecar) for a folder, a .safetensors file or a .json sidecar."""
    path = Path(path)
    if path.suffix in (".safetensors", ".json"):
        return path.with_suffix(".safetensors"), path.with_suffix(".json")
    return path / "model.safetensors", path / "model.json"


def save_checkpoint(model: VAE, path: str | Path, metadata: dict | None = None, locked: bool = False) -> Path:
    """Replace the checkpoint at `path` as one unit; returns the sidecar path.

    The weights go to a file no reader is using (the canonical name for a new
    checkpoint, a content-named one when replacing), then the sidecar, which
    names its weights file, is renamed into place in one atomic step. A reader
    therefore sees the old sidecar with the old weights or the new sidecar with
    the new weights, never a mix. The previous weights file is kept one
    generation so a reader that has just read the old sidecar still finds it.
    Writers to one checkpoint are serialised by a lock file (`locked=True`
    when the caller already holds it, see `checkpoint_writer`).
    """
    if not locked:
        with checkpoint_writer(path):
            return save_checkpoint(model, path, metadata, locked=True)
    weights_path, sidecar_path = checkpoint_paths(path)
    state = {k: v.detach().to(torch.float32).contiguous().cpu() for k, v in model.state_dict().items()}
    if not all(torch.isfinite(v).all() for v in state.values()):
        raise CheckpointError("refusing to save weights that contain NaN or infinite values")
    blob = save_safetensors_bytes(state, metadata={"format": FORMAT})
    digest = hashlib.sha256(blob).hexdigest()
    previous = _current_weights_name(sidecar_path)
    if previous is not None:
        weights_path = weights_path.with_name(f"{weights_path.stem}.{digest[:12]}.safetensors")
    sidecar = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": model.config.to_dict(),
        "weights_file": weights_path.name,
        "weights_sha256": digest,
        "num_parameters": model.num_parameters,
        **_finite_json(metadata or {}),
    }
    text = json.dumps(sidecar, indent=2, sort_keys=False, allow_nan=False) + "\n"
    _remove_dead_writers_temporaries(sidecar_path)
    atomic_write_bytes(weights_path, blob)
    atomic_write_text(sidecar_path, text)
    _remove_stale_weights(checkpoint_paths(path)[0], keep={weights_path.name, previous})
    return sidecar_path


def drop_previous_weights(path: str | Path) -> None:
    """Remove the weights generation save_checkpoint kept for readers of the previous sidecar: call it once
    no reader can still hold that sidecar (a trained model checkpointed every few epochs would otherwise
    keep its weights twice)."""
    weights_path, sidecar_path = checkpoint_paths(path)
    current = _current_weights_name(sidecar_path)
    if current is not None:
        _remove_stale_weights(weights_path, keep={current})


def weights_file_of(sidecar_path: Path, sidecar: dict) -> Path:
    """The weights file a sidecar names (a plain file name beside it)."""
    name = sidecar.get("weights_file")
    if not isinstance(name, str) or not _WEIGHTS_NAME.match(name) or name in (".", ".."):
        return checkpoint_paths(sidecar_path)[0]
    return sidecar_path.parent / name


_WEIGHTS_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.safetensors$")


def _current_weights_name(sidecar_path: Path) -> str | None:
    try:
        sidecar = parse_json(sidecar_path.read_bytes(), CheckpointError, sidecar_path.name)
    except (OSError, CheckpointError):
        return None
    return weights_file_of(sidecar_path, sidecar).name if isinstance(sidecar, dict) else None


def _remove_dead_writers_temporaries(sidecar_path: Path) -> None:
    """Called with the writer lock held: what a killed save of this checkpoint left behind goes. Temporaries
    that carry a pid go when that process is dead; ones named before they carried a pid (mkstemp's 8
    random characters only) can only be a dead writer's, since every writer of this checkpoint holds the lock."""
    stem = re.escape(sidecar_path.stem)
    ours = re.compile(rf"^(?:{stem}\.json|{stem}(?:\.[0-9a-f]{{12}})?\.safetensors)$")
    remove_stale_temporaries(sidecar_path.parent, names=ours.match)
    legacy = re.compile(rf"^\.(?:{stem}\.json|{stem}(?:\.[0-9a-f]{{12}})?\.safetensors)\.[a-z0-9_]{{8}}\.tmp$")
    for p in sidecar_path.parent.iterdir():
        if legacy.match(p.name):
            p.unlink(missing_ok=True)


def _remove_stale_weights(canonical: Path, keep: set) -> None:
    pattern = re.compile(rf"^{re.escape(canonical.stem)}(\.[0-9a-f]{{12}})?\.safetensors$")
    for p in canonical.parent.iterdir():
        if pattern.match(p.name) and p.name not in keep:
            p.unlink(missing_ok=True)


def _finite_json(value):
    """NaN and infinities become null: JSON has no NaN, and a sidecar must parse everywhere."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_json(v) for v in value]
    return value


def check_writable(path: str | Path) -> Path:
    """Fail now, with the path named, if a checkpoint cannot be written at `path`.

    Run before training so an hour of work is never lost to a typo in --out.
    Returns the folder the files go to.
    """
    if not str(path).strip():  # Path("") is ".": a run would silently write into the current folder
        raise CheckpointError("--out is empty: name the checkpoint folder or .safetensors file to write")
    path = Path(path)
    weights_path, _ = checkpoint_paths(path)
    folder = weights_path.parent
    if path.suffix not in (".safetensors", ".json") and path.exists() and not path.is_dir():
        raise CheckpointError(f"--out {path} is an existing file, not a folder")
    for parent in [folder, *folder.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise CheckpointError(f"--out {path}: {parent} is a file, not a folder")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CheckpointError(f"cannot write a checkpoint to {folder} ({exc.strerror or exc})") from None
    return folder


def checkpoint_bytes(config: VAEConfig, epochs: int) -> int:
    """An upper bound on the size of a checkpoint trained for `epochs`: float32 weights and their header,
    and a sidecar whose history holds one entry per epoch (two KL-per-dimension lists each)."""
    return 4 * config.num_parameters + 64 * 1024 + 64 * 1024 + epochs * (1024 + 80 * config.latent_dim)


def check_free_space(path: str | Path, needed: int) -> None:
    """Refuse now, before training, when the disk that `path` is on has less than `needed` bytes free."""
    folder = check_writable(path)
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise CheckpointError(f"--out {path}: its disk has {free / 1e6:,.1f} MB free, but the checkpoint may need "
                              f"up to {needed / 1e6:,.1f} MB; free some space or choose another --out")


@contextmanager
def checkpoint_writer(path: str | Path):
    """Hold the checkpoint's writer lock; a second writer is refused at once.

    A lock file beside the sidecar is locked with flock; it is removed on
    release, and an acquirer checks it locked the file still on disk, so
    removing it cannot let two writers in.
    """
    check_writable(path)
    _, sidecar_path = checkpoint_paths(path)
    lock_path = sidecar_path.with_name(f".{sidecar_path.name}.lock")
    fd = _acquire_lock(lock_path)
    try:
        yield lock_path
    finally:
        try:
            os.unlink(lock_path)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _acquire_lock(lock_path: Path) -> int:
    for _ in range(20):
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            target = lock_path.parent / lock_path.name[1:-5]
            raise CheckpointError(f"another training is writing the checkpoint {target}"
                                  "; wait for it to finish or choose another --out") from None
        try:
            same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the holder removed the file as we opened it: try the new one
    raise CheckpointError(f"could not lock {lock_path}")


def read_sidecar(path: str | Path) -> dict:
    _, sidecar_path = checkpoint_paths(path)
    if not sidecar_path.exists():
        raise CheckpointError(f"no checkpoint sidecar at {sidecar_path}")
    sidecar = read_sidecar_json(sidecar_path)
    if not isinstance(sidecar, dict) or sidecar.get("format") != FORMAT:
        raise CheckpointError(f"{sidecar_path} is not a vae_core checkpoint sidecar")
    if sidecar.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{sidecar_path}: unsupported checkpoint format version "
                              f"{str(sidecar.get('format_version'))[:20]!r}")
    return sidecar


def load_checkpoint(path: str | Path) -> tuple[VAE, dict]:
    """Rebuild the model from its sidecar and load verified weights."""
    _, sidecar_path = checkpoint_paths(path)
    sidecar = read_sidecar(path)
    weights_path = weights_file_of(sidecar_path, sidecar)
    try:
        config = VAEConfig.from_dict(sidecar.get("config"))
    except ConfigError as exc:
        raise CheckpointError(f"{sidecar_path}: {exc}") from None
    blob = read_weights(weights_path)
    check_weights_fit(blob, config, weights_path)  # before hashing, loading or building anything
    if hashlib.sha256(blob).hexdigest() != sidecar.get("weights_sha256"):
        raise CheckpointError(f"{weights_path} does not match the hash in {sidecar_path.name}: "
                              "the file is corrupted or belongs to another checkpoint")
    try:
        state = load_safetensors_bytes(blob)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{weights_path} is not a readable safetensors file ({exc})") from None
    model = VAE(config)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state.items()}
    if expected.keys() != found.keys():
        missing, extra = sorted(expected.keys() - found.keys()), sorted(found.keys() - expected.keys())
        raise CheckpointError(f"{weights_path} does not fit its config: missing {missing}, unexpected {extra}")
    wrong = [f"{k} {found[k]} != {expected[k]}" for k in expected if found[k] != expected[k]]
    if wrong:
        raise CheckpointError(f"{weights_path} does not fit its config: {'; '.join(wrong)}")
    if not all(torch.isfinite(v).all() for v in state.values()):
        raise CheckpointError(f"{weights_path} contains NaN or infinite weights")
    model.load_state_dict(state)
    model.eval()
    return model, sidecar
