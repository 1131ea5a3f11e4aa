"""Checkpoints: weights in safetensors plus a JSON sidecar. Never pickle.

    model.safetensors   the state dict, float32
    model.json          format, config, sha256 of the weights, data set,
                        command, seed, training time, metrics, history

The sidecar carries the weights' hash, so a truncated, edited or swapped
weights file is caught before any tensor is used.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from ..errors import CheckpointError, ConfigError
from ..fileio import atomic_write_bytes, atomic_write_text
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


def save_checkpoint(model: VAE, path: str | Path, metadata: dict | None = None) -> Path:
    """Write weights then sidecar, each atomically; returns the sidecar path.

    The sidecar is written last, so a reader that finds it also finds the
    weights it describes.
    """
    weights_path, sidecar_path = checkpoint_paths(path)
    state = {k: v.detach().to(torch.float32).contiguous().cpu() for k, v in model.state_dict().items()}
    blob = save_safetensors_bytes(state, metadata={"format": FORMAT})
    sidecar = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": model.config.to_dict(),
        "weights_file": weights_path.name,
        "weights_sha256": hashlib.sha256(blob).hexdigest(),
        "num_parameters": model.num_parameters,
        **(metadata or {}),
    }
    atomic_write_bytes(weights_path, blob)
    atomic_write_text(sidecar_path, json.dumps(sidecar, indent=2, sort_keys=False) + "\n")
    return sidecar_path


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
    weights_path, sidecar_path = checkpoint_paths(path)
    sidecar = read_sidecar(path)
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
