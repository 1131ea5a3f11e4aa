"""A training's full state between two epochs, so that a run stopped by a crash or a restart resumes where
it was: the current and the best weights, Adam's moments, the random number generators, the history and
the early-stopping counters. Never pickled: the tensors go to a safetensors file, everything else to a
JSON sidecar that names it and carries its SHA-256.

    state.<sha12>.safetensors   model.*, best.*, optim.<param>.<name>, rng.torch, rng.perm
    state.json                  format, epoch, config, data fingerprint, history, counters, Adam's
                                param_groups, the tensors file and its hash

Written like a checkpoint (vae_core.vae.checkpoint): the tensors under a new, content-named file, then the
sidecar renamed into place in one step, then older tensor files removed; a reader sees one whole state.
Restored with the same torch on the same device, a resumed run continues bit for bit as if it had never
stopped.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from ..errors import CheckpointError, ConfigError
from ..fileio import atomic_write_bytes, atomic_write_text, read_regular_file

FORMAT = "vae_core.train_state"
FORMAT_VERSION = 1
SIDECAR = "state.json"
MAX_STATE_SIDECAR_BYTES = 16_000_000  # the history of 100,000 epochs is larger; such a run is never paced here
_TENSORS = re.compile(r"^state\.[0-9a-f]{12}\.safetensors$")


@dataclass
class TrainState:
    epoch: int  # epochs completed
    config: dict  # TrainConfig.to_dict() of the run
    data_fingerprint: str
    model: dict[str, torch.Tensor]
    best: dict[str, torch.Tensor] | None
    optimizer: dict  # torch.optim.Optimizer.state_dict(), tensors included
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_val: float = -math.inf
    stale: int = 0
    seen: int = 0
    train_time_s: float = 0.0
    rng: torch.Tensor | None = None  # torch's global generator (reparameterisation noise, shifts)
    perm_rng: torch.Tensor | None = None  # the batch order's generator


def capture(epoch: int, cfg: dict, data_fingerprint: str, model, best, opt, perm_rng, counters: dict,
            history: list[dict]) -> TrainState:
    """A copy of everything a resume needs, taken between two epochs (nothing shared with the live run)."""
    optim = opt.state_dict()
    optim = {"state": {i: {k: v.detach().clone() if torch.is_tensor(v) else v for k, v in s.items()}
                       for i, s in optim["state"].items()},
             "param_groups": [dict(g) for g in optim["param_groups"]]}
    return TrainState(epoch=epoch, config=cfg, data_fingerprint=data_fingerprint,
                      model={k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
                      best=None if best is None else {k: v.detach().cpu().clone() for k, v in best.items()},
                      optimizer=optim, history=list(history), rng=torch.get_rng_state(),
                      perm_rng=perm_rng.get_state(), **counters)


def restore(state: TrainState, model, opt, perm_rng) -> None:
    """Put a captured state back into a freshly built model, optimiser and batch-order generator."""
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    for part in (state.model, state.best or {}):
        found = {k: tuple(v.shape) for k, v in part.items()}
        if found != shapes:
            raise CheckpointError("the saved training state does not fit this model's settings")
    model.load_state_dict(state.model)
    params = [p for g in opt.param_groups for p in g["params"]]
    for i, moments in state.optimizer["state"].items():
        if not 0 <= int(i) < len(params):
            raise CheckpointError("the saved optimiser state does not fit this model")
        for name in ("exp_avg", "exp_avg_sq"):
            if name in moments and tuple(moments[name].shape) != tuple(params[int(i)].shape):
                raise CheckpointError("the saved optimiser state does not fit this model")
    opt.load_state_dict(state.optimizer)
    if state.rng is not None:
        torch.set_rng_state(state.rng)
    if state.perm_rng is not None:
        perm_rng.set_state(state.perm_rng)


def check_resumable(state: TrainState, cfg: dict, data_fingerprint: str) -> None:
    if state.config != cfg:
        raise ConfigError("the saved training state was made with other settings; start a new run instead")
    if state.data_fingerprint != data_fingerprint:
        raise ConfigError("the data set has changed since this run was saved; start a new run instead")


def save_train_state(state: TrainState, folder: str | Path) -> Path:
    """Write the state into `folder` as one unit; returns the sidecar's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v for k, v in state.model.items()}
    tensors |= {f"best.{k}": v for k, v in (state.best or {}).items()}
    scalars = {}
    for i, moments in state.optimizer["state"].items():
        for name, value in moments.items():
            if torch.is_tensor(value):
                tensors[f"optim.{i}.{name}"] = value
            else:
                scalars[f"{i}.{name}"] = value
    tensors["rng.torch"], tensors["rng.perm"] = state.rng, state.perm_rng
    blob = save_tensors({k: v.detach().cpu().contiguous() for k, v in tensors.items()},
                        metadata={"format": FORMAT})
    digest = hashlib.sha256(blob).hexdigest()
    name = f"state.{digest[:12]}.safetensors"
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()}
              for g in state.optimizer["param_groups"]]
    sidecar = {"format": FORMAT, "format_version": FORMAT_VERSION, "tensors_file": name, "tensors_sha256": digest,
               "epoch": state.epoch, "config": state.config, "data_fingerprint": state.data_fingerprint,
               "has_best": state.best is not None, "best_epoch": state.best_epoch,
               "best_val": state.best_val if math.isfinite(state.best_val) else None, "stale": state.stale,
               "seen": state.seen, "train_time_s": state.train_time_s, "param_groups": groups,
               "optim_scalars": scalars, "history": state.history}
    atomic_write_bytes(folder / name, blob)
    atomic_write_text(folder / SIDECAR, json.dumps(sidecar, allow_nan=False) + "\n")
    for old in folder.iterdir():
        if _TENSORS.match(old.name) and old.name != name:
            old.unlink(missing_ok=True)
    return folder / SIDECAR


def state_epoch(folder: str | Path) -> int:
    """The epoch a saved state resumes from, 0 when there is none (or it cannot be read)."""
    try:
        return int(_read_sidecar(Path(folder))["epoch"])
    except (CheckpointError, KeyError, TypeError, ValueError):
        return 0


def load_train_state(folder: str | Path) -> TrainState:
    folder = Path(folder)
    sidecar = _read_sidecar(folder)
    name = sidecar.get("tensors_file")
    if not isinstance(name, str) or not _TENSORS.match(name):
        raise CheckpointError("the saved training state names no valid tensors file")
    blob = read_regular_file(folder / name, 2**34, CheckpointError, "the saved training state")
    if hashlib.sha256(blob).hexdigest() != sidecar.get("tensors_sha256"):
        raise CheckpointError("the saved training state is corrupted (its tensors do not match their hash)")
    try:
        tensors = load_tensors(blob)
    except (SafetensorError, ValueError, RuntimeError):
        raise CheckpointError("the saved training state is not a readable safetensors file") from None
    part = {p: {k[len(p) + 1:]: v for k, v in tensors.items() if k.startswith(p + ".")} for p in ("model", "best")}
    optim_state: dict = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, i, moment = key.split(".", 2)
            optim_state.setdefault(int(i), {})[moment] = value
    for key, value in (sidecar.get("optim_scalars") or {}).items():
        i, moment = key.split(".", 1)
        optim_state.setdefault(int(i), {})[moment] = value
    groups = [{k: (tuple(v) if k == "betas" else v) for k, v in g.items()} for g in sidecar["param_groups"]]
    best_val = sidecar.get("best_val")
    return TrainState(epoch=int(sidecar["epoch"]), config=sidecar["config"],
                      data_fingerprint=sidecar["data_fingerprint"], model=part["model"],
                      best=part["best"] if sidecar.get("has_best") else None,
                      optimizer={"state": optim_state, "param_groups": groups}, history=sidecar["history"],
                      best_epoch=int(sidecar["best_epoch"]), best_val=-math.inf if best_val is None else best_val,
                      stale=int(sidecar["stale"]), seen=int(sidecar["seen"]),
                      train_time_s=float(sidecar["train_time_s"]), rng=tensors.get("rng.torch"),
                      perm_rng=tensors.get("rng.perm"))


def _read_sidecar(folder: Path) -> dict:
    path = folder / SIDECAR
    if not path.is_file():
        raise CheckpointError("no saved training state")
    raw = read_regular_file(path, MAX_STATE_SIDECAR_BYTES, CheckpointError, "the saved training state")
    try:
        sidecar = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise CheckpointError("the saved training state is not valid JSON") from None
    if not isinstance(sidecar, dict) or sidecar.get("format") != FORMAT:
        raise CheckpointError("the saved training state is not a vae_core training state")
    if sidecar.get("format_version") != FORMAT_VERSION:
        raise CheckpointError("the saved training state has an unsupported format version")
    return sidecar
