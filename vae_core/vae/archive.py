"""Checkpoint archives: one zip out (weights + sidecar + model card), validated zips in.

Out: `model.safetensors`, `model.json` (its sidecar, naming that weights
file), `README.md` (the model card) and, when the model has one, its
training replay `model.replay.safetensors`, with fixed timestamps so the
same checkpoint always gives the same bytes.

In: an uploaded archive is untrusted. It is refused, with the reason, when:
    - it is larger than MAX_ARCHIVE_BYTES (64 MB), or is not a zip;
    - it is a pickle or any entry is one (pickle magic bytes, a torch.save
      zip, or a .pkl/.pt/.pth/.ckpt/.bin/.pickle/.npy name): nothing is ever unpickled;
    - an entry name is absolute, contains "..", a backslash or a folder;
    - it has more than MAX_ENTRIES (8) entries, an entry other than the three
      above, or an entry (declared or actual size, read in bounded chunks)
      over its limit: 60 MB weights, 1 MB sidecar, 256 KB card, 3 MB replay;
    - the sidecar is missing or invalid, the config is beyond the limits
      (latent 1-64, at most 8 hidden layers of 4096, images up to 256x256,
      1000 labels), the weights do not match the sidecar's hash or do not
      fit the config's shapes, or hold NaN; a replay the sidecar does not
      name, or one that fails replay.py's checks.
Validation loads the checkpoint from a private temporary folder with the
ordinary loader (safetensors only), then the same bytes are copied in.
"""

from __future__ import annotations

import errno
import io
import json
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path

from ..errors import CheckpointError
from ..fileio import atomic_write_bytes, parse_json
from .checkpoint import checkpoint_paths, load_checkpoint, read_sidecar, weights_file_of
from .model_card import render_markdown
from .replay import READ_LIMIT, SUFFIX, read_replay, replay_path
from .train_config import MAX_HIDDEN_LAYERS, MAX_HIDDEN_WIDTH
from .user_models import check_quota, reserve_name

MAX_ARCHIVE_BYTES = 64 * 2**20
MAX_ENTRIES = 8
REPLAY = "model" + SUFFIX
LIMITS = {"model.safetensors": 60 * 2**20, "model.json": 2**20, "README.md": 256 * 2**10, REPLAY: READ_LIMIT}
MAX_TOTAL = sum(LIMITS.values())
MAX_IMAGE_SIDE, MAX_LABELS = 256, 1000
PICKLE_NAMES = (".pkl", ".pickle", ".pt", ".pth", ".ckpt", ".bin", ".npy", ".npz", ".joblib")
_EPOCH = (1980, 1, 1, 0, 0, 0)


class ArchiveError(CheckpointError):
    """An uploaded archive was refused."""


def export_archive(path: str | Path, name: str = "model") -> bytes:
    """The checkpoint at `path` as one zip (bytes), deterministic."""
    _, sidecar_path = checkpoint_paths(path)
    sidecar = read_sidecar(path)
    weights = weights_file_of(sidecar_path, sidecar).read_bytes()
    sidecar = {**sidecar, "weights_file": "model.safetensors"}
    entries = {"model.safetensors": weights,
               "model.json": (json.dumps(sidecar, indent=2, allow_nan=False) + "\n").encode(),
               "README.md": _card(name, sidecar).encode()}
    if sidecar.get("replay") is not None:
        try:  # checked before it leaves, as it will be when it comes back; a damaged one stays behind
            read_replay(sidecar_path, sidecar)
            entries[REPLAY], kept = replay_path(sidecar_path).read_bytes(), {**sidecar["replay"], "file": REPLAY}
        except (CheckpointError, OSError):
            kept = None
        entries["model.json"] = (json.dumps({**sidecar, "replay": kept}, indent=2, allow_nan=False) + "\n").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for entry, data in entries.items():
            info = zipfile.ZipInfo(entry, date_time=_EPOCH)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()


def _card(name: str, sidecar: dict) -> str:
    try:
        return render_markdown(name, sidecar)
    except (KeyError, TypeError, ValueError, AttributeError):  # a checkpoint without training metadata
        cfg = sidecar.get("config", {})
        return (f"# {name}\n\nA {cfg.get('latent_dim')}-D latent VAE ({cfg.get('likelihood')} decoder, hidden "
                f"{cfg.get('hidden')}, images {cfg.get('image_shape')}). Weights: model.safetensors; "
                "configuration and provenance: model.json.\n")


def _is_pickle(data: bytes) -> bool:
    # Protocol 2+ pickles start with PROTO (0x80) and a protocol byte; torch.save writes a zip holding data.pkl.
    return (len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5) or (data[:4] == b"PK\x03\x04" and b".pkl" in data)


def _is_safetensors(data: bytes) -> bool:
    # An 8-byte little-endian header length, then a JSON object: a header of 640 bytes begins 0x80 0x02,
    # which _is_pickle alone would take for a protocol-2 pickle.
    return len(data) >= 9 and struct.unpack("<Q", data[:8])[0] <= len(data) - 8 and data[8:9] == b"{"


def read_archive(blob: bytes) -> dict[str, bytes]:
    """The archive's three entries, each checked for name, count and size; refuses with ArchiveError."""
    if len(blob) > MAX_ARCHIVE_BYTES:
        raise ArchiveError(f"the archive is {len(blob) / 2**20:.1f} MB; the limit is {MAX_ARCHIVE_BYTES // 2**20} MB")
    if _is_pickle(blob[:2]) or (blob[:4] == b"PK\x03\x04" and b"data.pkl" in blob[:65536]):
        raise ArchiveError("the file is a pickle (or a torch.save file); only safetensors archives are accepted")
    try:
        zf = zipfile.ZipFile(io.BytesIO(blob))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ArchiveError("the file is not a zip archive "
                           "(expected model.safetensors, model.json, README.md and an optional replay)") from None
    if len(infos) > MAX_ENTRIES:
        raise ArchiveError(f"the archive has {len(infos)} entries; at most {MAX_ENTRIES} are allowed")
    declared = 0
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ":" in name[:3] or ".." in name.split("/") or "\\" in name:
            raise ArchiveError(f"the archive entry {name!r} has an absolute path or a path traversal")
        if name.lower().endswith(PICKLE_NAMES):
            raise ArchiveError(f"the archive entry {name!r} is a pickle-format file; only safetensors is accepted")
        if "/" in name or name not in LIMITS:
            raise ArchiveError(f"unexpected archive entry {name!r}: only {', '.join(LIMITS)} are allowed")
        if info.file_size > LIMITS[name]:
            raise ArchiveError(f"{name} is {info.file_size / 2**20:.1f} MB, over its {LIMITS[name] / 2**20:g} MB limit")
        declared += info.file_size
    if declared > MAX_TOTAL:
        raise ArchiveError(f"the archive unpacks to {declared / 2**20:.1f} MB, over the {MAX_TOTAL / 2**20:g} MB limit")
    entries = {}
    for info in infos:
        data = entries[info.filename] = _bounded_read(zf, info, LIMITS[info.filename])
        if _is_pickle(data) and not (info.filename == "model.safetensors" and _is_safetensors(data)):
            raise ArchiveError(f"the archive entry {info.filename!r} is a pickle; only safetensors is accepted")
    if "model.json" not in entries:
        raise ArchiveError("the archive has no model.json sidecar")
    if "model.safetensors" not in entries:
        raise ArchiveError("the archive has no model.safetensors weights")
    return entries


def _bounded_read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read at most limit bytes: a zip bomb whose header lies about its size stops here."""
    chunks, total = [], 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    raise ArchiveError(f"{info.filename} unpacks to more than its {limit / 2**20:g} MB limit")
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise ArchiveError(f"{info.filename} cannot be unpacked ({exc})") from None
    return b"".join(chunks)


def _check_config_limits(sidecar: dict) -> None:
    cfg = sidecar.get("config")
    if not isinstance(cfg, dict):
        raise ArchiveError("model.json has no config object")
    shape, hidden, labels = cfg.get("image_shape"), cfg.get("hidden"), cfg.get("labels", [])
    if not (isinstance(shape, list) and len(shape) == 2 and all(isinstance(v, int) and 1 <= v <= MAX_IMAGE_SIDE
                                                                 for v in shape)):
        raise ArchiveError(f"config image_shape must be two sides from 1 to {MAX_IMAGE_SIDE}, got {shape!r}")
    if not (isinstance(hidden, list) and 1 <= len(hidden) <= MAX_HIDDEN_LAYERS
            and all(isinstance(h, int) and 1 <= h <= MAX_HIDDEN_WIDTH for h in hidden)):
        raise ArchiveError(f"config hidden must be 1 to {MAX_HIDDEN_LAYERS} widths up to {MAX_HIDDEN_WIDTH}, "
                           f"got {hidden!r}")
    if not isinstance(labels, list) or len(labels) > MAX_LABELS:
        raise ArchiveError(f"config labels must be a list of at most {MAX_LABELS} names")


def validate_archive(blob: bytes):
    """(model, entries) once every check passes; raises ArchiveError (a CheckpointError) otherwise."""
    entries = read_archive(blob)
    sidecar = parse_json(entries["model.json"], ArchiveError, "model.json")
    if not isinstance(sidecar, dict):
        raise ArchiveError("model.json must be a JSON object")
    _check_config_limits(sidecar)
    sidecar["weights_file"] = "model.safetensors"
    if (sidecar.get("replay") is None) != (REPLAY not in entries):
        raise ArchiveError(f"model.json and {REPLAY} must come together (the sidecar names the replay's hash)")
    entries["model.json"] = (json.dumps(sidecar, indent=2, allow_nan=False) + "\n").encode()
    with tempfile.TemporaryDirectory(prefix="vae-archive-") as tmp:
        for name, data in entries.items():
            (Path(tmp) / name).write_bytes(data)
        try:
            model, _ = load_checkpoint(tmp)
            read_replay(Path(tmp) / "model.json", sidecar)
        except CheckpointError as exc:
            raise ArchiveError(str(exc).replace(tmp + "/", "").replace(tmp, "the archive")) from None
    return model, entries


def import_archive(blob: bytes, label: str = "uploaded") -> str:
    """Validate an archive and add it to the user models folder; returns its registry name."""
    _, entries = validate_archive(blob)
    check_quota(sum(len(v) for v in entries.values()))
    folder = None
    try:
        name, folder = reserve_name(label)
        for entry in sorted(entries, key=lambda e: e == "model.json"):  # the sidecar last: listed only when complete
            atomic_write_bytes(folder / entry, entries[entry])
    except BaseException as exc:
        if folder is not None:  # a half-stored model is never listed, but its folder would count against the quota
            shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, OSError):  # a full disk, a read-only folder: the reason, never the server's path
            reason = "no space left on its disk" if exc.errno == errno.ENOSPC else (exc.strerror or "an OS error")
            raise ArchiveError(f"the model could not be stored on the server: {reason.lower()}") from None
        raise
    return name
