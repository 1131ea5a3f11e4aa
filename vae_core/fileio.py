"""Atomic file writes, the user cache directory, and arrays kept there across processes."""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
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
    so a reader never sees a half-written file, even after a crash.

    The temporary's name carries the writer's host and pid (`.NAME.w<pid>-<host>.XXXX.tmp`), so one left
    behind by a killed writer can be told from one still being written: see remove_stale_temporaries."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.w{os.getpid()}-{_HOST}.", suffix=".tmp", dir=path.parent)
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


# ---- Temporaries of writers that died -----------------------------------------------------------
# A kill -9 (or a power cut) between mkstemp and os.replace leaves the temporary behind; nothing
# would ever remove it, and in the user models folder it counts against the quota.

_HOST = re.sub(r"[^A-Za-z0-9]", "", os.uname().nodename if hasattr(os, "uname") else "")[:24] or "host"
TEMPORARY = re.compile(r"^\.(?P<target>.+)\.w(?P<pid>\d{1,10})-(?P<host>[A-Za-z0-9]{0,24})\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process, or a pid we cannot test: assume it is writing
    return True


def remove_stale_temporaries(folder: str | Path, names=None) -> int:
    """Remove the atomic-write temporaries in `folder` whose writer (on this host) is dead; returns how
    many. `names` (a predicate on a target file name) limits it to the temporaries of those files.
    A temporary of another host's writer is left alone: its pid means nothing here."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = TEMPORARY.match(entry.name)
        if not match or (names is not None and not names(match["target"])):
            continue
        if match["host"] == _HOST and not _alive(int(match["pid"])):
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed


# ---- JSON from outside --------------------------------------------------------------------------
# Python's json accepts what JSON does not (NaN, Infinity, 1e400 read as inf), which later fails as a
# traceback in json.dumps(allow_nan=False) or poisons arithmetic; and it recurses once per nesting level,
# so 10,000 levels raise RecursionError. Every JSON that comes from a file, an upload or a browser is
# read with parse_json: one-line refusals of all three, and a depth limit checked before parsing.

MAX_JSON_DEPTH = 32  # a sidecar is 4 levels deep; training options 2
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class _NotFinite(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _refuse_constant(name: str):
    raise _NotFinite(name)


def json_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings, without recursing (and without parsing)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return 0
    steps = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    return int(np.cumsum(np.where((steps == ord("[")) | (steps == ord("{")), 1, -1)).max())


def parse_json(raw: bytes | str, error: type[Exception], label: str, max_depth: int = MAX_JSON_DEPTH):
    """The value of untrusted JSON text, or `error` with a one-line message starting with `label`."""
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise error(f"{label} is not UTF-8 text") from None
    if json_depth(raw) > max_depth:
        raise error(f"{label} is not valid JSON here: nested too deeply (more than {max_depth} levels)")
    try:
        return json.loads(raw, parse_float=_finite_float, parse_constant=_refuse_constant)
    except _NotFinite as exc:
        raise error(f"{label} holds {str(exc)[:24]!s}: JSON has no NaN or Infinity, and numbers must lie "
                    "within ±1.8e308") from None
    except (ValueError, RecursionError) as exc:  # a syntax error, or an integer of over 4,300 digits
        raise error(f"{label} is not valid JSON ({str(exc)[:80]})") from None


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
    """One spelling per file: ~ expanded, symlinks, '.' and '..' resolved (the file need not exist).

    os.path.realpath, not Path.resolve: resolve() raises RuntimeError on a symlink loop (Python 3.11),
    where realpath leaves the looping part as it is, for the open that follows to refuse. A NUL byte
    raises ValueError: callers with a user's string check for it first."""
    return Path(os.path.realpath(os.path.expanduser(str(path))))


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
