"""Atomic file writes, the user cache directory, and arrays kept there across processes."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    """Where downloaded and converted data sets live.

    VAE_CORE_CACHE overrides it (tests point it at a temporary folder);
    otherwise the XDG cache directory is used.
    """
    root = os.environ.get("VAE_CORE_CACHE")
    if not root:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vae_core"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename it over `path`,
    so a reader never sees a half-written file, even after a crash."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; a data or model file should be readable like any other.
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


# ---- Bounded reads of files a user named -------------------------------------------------------
# Every reader of user-named files goes through read_regular_file: it opens without blocking
# (a FIFO would otherwise hang forever), refuses anything that is not a regular file (a symlink
# to /dev/zero resolves to a character device), and checks the size before reading a byte.

def _human(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.0f} {unit}"
        n /= 1000
    return f"{n} GB"


def open_regular_file(path: str | Path, max_bytes: int, error: type[Exception], label: str | None = None):
    """Open `path` for reading as a binary file object after checking that it is a regular file of at
    most `max_bytes` bytes; every refusal raises `error` with a one-line message."""
    label = label or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"no such file: {label}") from None
    except IsADirectoryError:
        raise error(f"{label} is a folder, not a file") from None
    except OSError as exc:
        raise error(f"{label}: cannot open ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
            raise error(f"{label} is {kind}, not a regular file")
        if info.st_size > max_bytes:
            raise error(f"{label} is {_human(info.st_size)}; the limit is {_human(max_bytes)}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: str | Path, max_bytes: int, error: type[Exception], label: str | None = None) -> bytes:
    """The bytes of a regular file of at most `max_bytes` (a file growing while read is cut off and refused)."""
    label = label or str(path)
    with open_regular_file(path, max_bytes, error, label) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"{label}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise error(f"{label} is larger than the limit of {_human(max_bytes)}")
    return data


def gunzip_bounded(data: bytes, max_bytes: int, error: type[Exception], label: str) -> bytes:
    """Decompress gzip data, stopping as soon as the output would pass `max_bytes` (a 2 MB file can
    expand to gigabytes)."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise error(f"{label}: damaged gzip data ({exc})") from None
    if len(out) > max_bytes:
        raise error(f"{label} expands to more than the limit of {_human(max_bytes)} when decompressed")
    return out


def canonical_path(path: str | Path) -> Path:
    """One spelling per file: ~ expanded, symlinks, '.' and '..' resolved (the file need not exist)."""
    return Path(os.path.expanduser(str(path))).resolve()


def is_within(path: str | Path, roots) -> bool:
    """Whether the canonical `path` lies inside (or is) one of the canonical `roots`."""
    target = canonical_path(path)
    return any(target == root or root in target.parents for root in (canonical_path(r) for r in roots))


# ---- Results worth keeping across processes ------------------------------------------------------
# Some figures take seconds, depend only on a model and a data set, and are the same for every
# visitor (the gap statistics' Monte Carlo samples, an OOD reference). They are kept as .npz files
# under cache_dir()/<kind>/, keyed by a hash of every input, so a restarted server reads them back
# instead of recomputing. Inputs that change (new weights, other codes) give a new key.

DISK_CACHE_FILES = 64  # per kind; the least recently written go first


def array_key(*parts) -> str:
    """A hex digest of arrays (their dtype, shape and bytes) and plain values (their repr)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            a = np.ascontiguousarray(part)
            h.update(f"{a.dtype.str}{a.shape}".encode())
            h.update(a.tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.hexdigest()[:32]


def disk_cached_arrays(kind: str, key: str, compute):
    """compute() -> dict of numpy arrays, read from cache_dir()/kind/key.npz when present.

    A damaged or unreadable file is recomputed; a cache that cannot be written costs only
    the next process a recomputation."""
    folder = cache_dir() / kind
    path = folder / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        pass
    arrays = compute()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    try:
        atomic_write_bytes(path, buffer.getvalue())
        old = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime)[:-DISK_CACHE_FILES]
        for stale in old:
            stale.unlink(missing_ok=True)
    except OSError:
        pass
    return arrays
