"""Checks on a checkpoint's files before anything is allocated from them: bounded sizes, a sidecar
that is a small JSON object, and weights whose safetensors header (8-byte length, then JSON) lists
exactly the tensor shapes the config implies. A mismatch is refused before a network is built."""

from __future__ import annotations

import struct
from pathlib import Path

import torch

from ..errors import CheckpointError
from ..fileio import parse_json, read_regular_file
from .config import MAX_PARAMETERS, VAEConfig

MAX_SIDECAR_BYTES = 4_000_000  # config, card and per-epoch history: tens of KB in practice
MAX_HEADER_BYTES = 1_000_000
MAX_WEIGHTS_BYTES = 4 * MAX_PARAMETERS + MAX_HEADER_BYTES + 8


def read_sidecar_json(path: Path) -> object:
    """The parsed sidecar, or a one-line CheckpointError (size, encoding, syntax, nesting, NaN or 1e400)."""
    return parse_json(read_regular_file(path, MAX_SIDECAR_BYTES, CheckpointError, str(path)), CheckpointError,
                      str(path))


def read_weights(path: Path) -> bytes:
    if not path.exists() and not path.is_symlink():
        raise CheckpointError(f"weights file missing: {path}")
    return read_regular_file(path, MAX_WEIGHTS_BYTES, CheckpointError, str(path))


def expected_shapes(config: VAEConfig) -> dict[str, tuple[int, ...]]:
    """Tensor shapes of the model this config builds, from a network on the meta device (no memory)."""
    from .model import VAE

    with torch.device("meta"):
        return {k: tuple(v.shape) for k, v in VAE(config).state_dict().items()}


# save_checkpoint writes float32 only. Other dtypes would be cast on load, but torch cannot even test
# float8 for NaN (isfinite is not implemented for it), so anything else is refused by name.
WEIGHTS_DTYPE = "F32"


def header_shapes(blob: bytes, path: Path) -> dict[str, tuple[int, ...]]:
    """Tensor names and shapes from a safetensors header, parsed by hand so no tensor is read; a tensor
    of another dtype than float32 is refused here."""
    if len(blob) < 8:
        raise CheckpointError(f"{path} is not a safetensors file (too short)")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > min(MAX_HEADER_BYTES, len(blob) - 8):
        raise CheckpointError(f"{path} is not a readable safetensors file (header of {n:,} bytes)")
    try:
        header = parse_json(blob[8:8 + n], CheckpointError, f"{path}: the safetensors header")
        tensors = {k: v for k, v in header.items() if k != "__metadata__"}
        shapes = {k: tuple(int(d) for d in v["shape"]) for k, v in tensors.items()}
        dtypes = sorted({str(v["dtype"])[:16] for v in tensors.values()} - {WEIGHTS_DTYPE})
    except (ValueError, TypeError, KeyError, AttributeError):
        raise CheckpointError(f"{path} is not a readable safetensors file (damaged header)") from None
    if dtypes:
        raise CheckpointError(f"{path} holds {', '.join(dtypes[:4])} weights; a checkpoint's weights must be "
                              "float32 (F32)")
    return shapes


def check_weights_fit(blob: bytes, config: VAEConfig, path: Path) -> None:
    expected, found = expected_shapes(config), header_shapes(blob, path)
    if expected.keys() != found.keys():
        missing, extra = sorted(expected.keys() - found.keys()), sorted(found.keys() - expected.keys())
        raise CheckpointError(f"{path} does not fit its config: missing {missing[:4]}, unexpected {extra[:4]}")
    wrong = [f"{k} {found[k]} != {expected[k]}" for k in expected if found[k] != expected[k]]
    if wrong:
        more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
        raise CheckpointError(f"{path} does not fit its config: {'; '.join(wrong[:3])}{more}")
