"""Reading and writing IDX files, the format MNIST and Fashion-MNIST ship in.

Header: two zero bytes, a type code, the number of dimensions, then one
big-endian uint32 per dimension. Files may be gzip-compressed.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..fileio import atomic_write_bytes

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}


def read_idx(path: str | Path) -> np.ndarray:
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except FileNotFoundError:
        raise DataError(f"IDX file not found: {path}") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read IDX file {path}: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise DataError(f"{path} is not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is truncated: its IDX header is incomplete")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(f"{path} is truncated or padded: expected {expected} data bytes, found {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write a uint8/int8 array as IDX (gzip-compressed when path ends in .gz)."""
    array = np.ascontiguousarray(array)
    if array.dtype not in _CODES:
        raise ValueError("write_idx supports uint8 and int8 arrays")
    data = struct.pack(">BBBB", 0, 0, _CODES[array.dtype], array.ndim)
    data += struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    if str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    atomic_write_bytes(path, data)
