"""A training's replay: what the live view showed at each epoch, kept with the model so a student can watch
the map form after the fact.

Per recorded epoch: the encoder means mu(x) of the run's fixed validation images (for a 2-D latent as they
are; for a larger one, projected on the first two principal components of the *final* model's means, fitted
once at the end, so every epoch is seen in one basis), the reconstructions of a few of those images and the
decoded fixed prior draws. The curves are not repeated here: the sidecar's history holds every epoch.

Bounded: at most MAX_BYTES per model. A long run is thinned to the epochs that fit, keeping the first, the
last and an even spread between. Stored as `model.replay.safetensors` beside the weights (float16 points, uint8
images, the rest in the file's metadata), named with its sha256 in the sidecar, and read back only after its
size, hash, dtypes, shapes and values are checked: a replay is data from the disk or an upload, never code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from ..errors import CheckpointError
from ..fileio import read_regular_file

FORMAT = "vae_core.replay"
SUFFIX = ".replay.safetensors"  # beside the sidecar: model.json's replay is model.replay.safetensors
MAX_BYTES = 2 * 2**20  # the budget a replay is thinned to
READ_LIMIT = 3 * 2**20  # what a reader accepts (the budget plus the file's header)
MAX_EPOCHS, MAX_POINTS, MAX_IMAGES, MAX_SIDE = 2_000, 2_000, 16, 256
PROJECTIONS = ("latent", "pca")


@dataclass(frozen=True)
class TrainingReplay:
    epochs: np.ndarray  # (E,) int, increasing
    points: np.ndarray  # (E, N, 2) float32: the map's coordinates at each epoch
    labels: np.ndarray  # (N,) int: each point's class index
    class_names: list[str]
    originals: np.ndarray  # (R, H, W) uint8
    reconstructions: np.ndarray  # (E, R, H, W) uint8
    samples: np.ndarray  # (E, S, H, W) uint8: the same prior draws decoded at each epoch
    projection: str  # "latent": (z1, z2) as they are; "pca": the final model's PC1 and PC2
    epochs_run: int  # how many epochs the run had: more than len(epochs) when thinned or resumed
    explained: tuple[float, float] | None = None  # the PCs' shares of the final means' variance

    @property
    def axis_titles(self) -> tuple[str, str]:
        if self.projection == "latent":
            return "z1", "z2"
        return tuple(f"PC{i + 1} of the final μ(x) ({share:.0%})" for i, share in enumerate(self.explained))


def to_uint8(images) -> np.ndarray:
    return np.round(np.clip(np.asarray(images, np.float32), 0, 1) * 255).astype(np.uint8)


def kept_epochs(count: int, keep: int) -> np.ndarray:
    """Positions of `keep` of `count` recorded epochs: the first, the last and an even spread between."""
    if count <= keep:
        return np.arange(count)
    return np.unique(np.round(np.linspace(0, count - 1, max(2, keep))).astype(int))


class ReplayRecorder:
    """Collects one epoch at a time (`add`), then `finish` builds the bounded replay."""

    def __init__(self, class_names, labels, originals) -> None:
        self.class_names = [str(c) for c in class_names]
        self.labels = np.asarray(labels, np.int64)
        self.originals = to_uint8(originals)
        self.epochs: list[int] = []
        self.means: list[np.ndarray] = []
        self.reconstructions: list[np.ndarray] = []
        self.samples: list[np.ndarray] = []

    def add(self, epoch: int, means, reconstructions, samples) -> None:
        """Epoch `epoch`'s encoder means (N, d) of the fixed images and its decoded rows, in [0, 1]."""
        if self.epochs and epoch <= self.epochs[-1]:  # a repeated epoch (a resumed run) replaces nothing
            return
        self.epochs.append(int(epoch))
        self.means.append(np.asarray(means, np.float32).copy())
        self.reconstructions.append(to_uint8(reconstructions))
        self.samples.append(to_uint8(samples))

    def finish(self, final_means, epochs_run: int, max_bytes: int = MAX_BYTES) -> TrainingReplay | None:
        """The replay, its points in the final model's basis; None before the first epoch."""
        if not self.epochs:
            return None
        final = np.asarray(final_means, np.float64)
        if final.shape[1] == 2:
            project, projection, explained = (lambda m: m), "latent", None
        else:
            from sklearn.decomposition import PCA

            pca = PCA(n_components=2).fit(final)
            project, projection = (lambda m: pca.transform(np.asarray(m, np.float64))), "pca"
            explained = tuple(float(v) for v in pca.explained_variance_ratio_)
        n, per_image = len(self.labels), self.originals[0].size
        per_epoch = n * 2 * 2 + (len(self.reconstructions[0]) + len(self.samples[0])) * per_image + 8
        fixed = self.originals.nbytes + n * 8 + 4096
        pick = kept_epochs(len(self.epochs), max(2, (max_bytes - fixed) // per_epoch))
        points = np.stack([project(self.means[i]) for i in pick]).astype(np.float16).astype(np.float32)
        return TrainingReplay(np.asarray(self.epochs)[pick], points, self.labels, self.class_names,
                              self.originals, np.stack([self.reconstructions[i] for i in pick]),
                              np.stack([self.samples[i] for i in pick]), projection, int(epochs_run), explained)


def replay_bytes(replay: TrainingReplay) -> bytes:
    tensors = {"epochs": torch.from_numpy(np.asarray(replay.epochs, np.int32)),
               "points": torch.from_numpy(np.asarray(replay.points, np.float16)),
               "labels": torch.from_numpy(np.asarray(replay.labels, np.int16)),
               "originals": torch.from_numpy(replay.originals),
               "reconstructions": torch.from_numpy(replay.reconstructions),
               "samples": torch.from_numpy(replay.samples)}
    meta = {"class_names": replay.class_names, "projection": replay.projection, "epochs_run": replay.epochs_run,
            "explained": list(replay.explained) if replay.explained else None}
    return save_safetensors_bytes({k: v.contiguous() for k, v in tensors.items()},
                                  metadata={"format": FORMAT, "meta": json.dumps(meta)})


def _bad(why: str) -> CheckpointError:
    return CheckpointError(f"the training replay is not valid: {why}")


_DTYPES = {"epochs": torch.int32, "points": torch.float16, "labels": torch.int16, "originals": torch.uint8,
           "reconstructions": torch.uint8, "samples": torch.uint8}


def replay_from_bytes(blob: bytes) -> TrainingReplay:
    """A replay read back from its bytes, every field checked; a one-line CheckpointError otherwise."""
    if len(blob) > READ_LIMIT:
        raise _bad(f"it is {len(blob) / 2**20:.1f} MB, over the {READ_LIMIT // 2**20} MB limit")
    try:
        header = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")]) if len(blob) >= 8 else {}
        meta_block = header.get("__metadata__", {}) if isinstance(header, dict) else {}
        if meta_block.get("format") != FORMAT:
            raise _bad("it is not a vae_core replay file")
        tensors = load_safetensors_bytes(blob)
        meta = json.loads(meta_block.get("meta", "{}"))
    except (SafetensorError, ValueError, RuntimeError, TypeError, AttributeError):
        raise _bad("it is not a readable safetensors file") from None
    if set(tensors) != set(_DTYPES) or any(tensors[k].dtype != t for k, t in _DTYPES.items()):
        raise _bad(f"expected the tensors {', '.join(_DTYPES)} with their dtypes")
    epochs, points, labels = tensors["epochs"].numpy(), tensors["points"].float().numpy(), tensors["labels"].numpy()
    originals, recon, samples = (tensors[k].numpy() for k in ("originals", "reconstructions", "samples"))
    e = len(epochs)
    if not (1 <= e <= MAX_EPOCHS and epochs.ndim == 1 and epochs[0] >= 1 and np.all(np.diff(epochs) > 0)):
        raise _bad(f"its epochs must be 1 to {MAX_EPOCHS} increasing whole numbers from 1")
    if not (points.ndim == 3 and points.shape[0] == e and points.shape[2] == 2 and 1 <= points.shape[1] <= MAX_POINTS
            and np.isfinite(points).all() and labels.shape == (points.shape[1],)):
        raise _bad(f"its points must be (epochs, at most {MAX_POINTS}, 2) finite numbers, one label each")
    if not (originals.ndim == 3 and 1 <= len(originals) <= MAX_IMAGES and max(originals.shape[1:]) <= MAX_SIDE
            and recon.shape == (e, *originals.shape) and samples.ndim == 4 and samples.shape[0] == e
            and 1 <= samples.shape[1] <= MAX_IMAGES and samples.shape[2:] == originals.shape[1:]):
        raise _bad("its images must be at most 16 a row, one row per epoch, all of one size up to 256 pixels")
    names, projection, run = meta.get("class_names"), meta.get("projection"), meta.get("epochs_run")
    explained = meta.get("explained")
    if not (isinstance(names, list) and 1 <= len(names) <= 1000 and all(isinstance(c, str) and len(c) <= 64
                                                                       for c in names)):
        raise _bad("its class names must be a list of at most 1000 short names")
    if labels.min() < 0 or labels.max() >= len(names):
        raise _bad("a point's label names no class")
    if projection not in PROJECTIONS or not (isinstance(run, int) and epochs[-1] <= run <= 100_000):
        raise _bad("its projection or epoch count is not valid")
    if projection == "pca" and not (isinstance(explained, list) and len(explained) == 2
                                    and all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in explained)):
        raise _bad("a PCA projection must say its components' shares of the variance")
    return TrainingReplay(epochs.astype(np.int64), points, labels.astype(np.int64), names, originals, recon, samples,
                          projection, run, tuple(float(v) for v in explained) if projection == "pca" else None)


def replay_path(sidecar_path: str | Path) -> Path:
    sidecar_path = Path(sidecar_path)
    return sidecar_path.with_name(sidecar_path.stem + SUFFIX)


def replay_entry(sidecar_path: str | Path, blob: bytes) -> dict:
    """The sidecar's note of the replay file written from `blob`: its name and hash."""
    return {"file": replay_path(sidecar_path).name, "sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob)}


def read_replay(sidecar_path: str | Path, sidecar: dict) -> TrainingReplay | None:
    """The replay the sidecar names, checked against its hash; None when the model has none. A replay that
    fails its checks raises a one-line CheckpointError (the model itself is still usable)."""
    entry = sidecar.get("replay")
    if entry is None:
        return None
    path = replay_path(sidecar_path)
    if not isinstance(entry, dict) or entry.get("file") != path.name:
        raise _bad("the sidecar names an unexpected file")
    if not path.exists():
        raise _bad("its file is missing")
    blob = read_regular_file(path, READ_LIMIT, CheckpointError, path.name)
    if hashlib.sha256(blob).hexdigest() != entry.get("sha256"):
        raise _bad("its file does not match the hash in the sidecar (replaced or truncated)")
    return replay_from_bytes(blob)
