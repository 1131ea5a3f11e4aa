"""Reading and writing IDX files, the format MNIST and Fashion-MNIST ship in.

Header: two zero bytes, a type code, the number of dimensions, then one
big-endian uint32 per dimension. Files may be gzip-compressed.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..fileio import atomic_write_bytes, read_regular_file

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}


# Limits on what read_idx accepts, documented in the README ("Serving a class"). The full MNIST and
# Fashion-MNIST training images are 47 MB; 64 MB leaves room and bounds a data set at 256 MB of float32.
MAX_IDX_BYTES = 64 * 1024 * 1024
MAX_IDX_NDIM = 4


class _Source:
    """Reads an IDX stream from raw bytes or through a bounded gzip inflater, a piece at a time."""

    def __init__(self, raw: bytes, label: str):
        self.label, self.raw, self.pos = label, raw, 0
        self.inflater = zlib.decompressobj(wbits=31) if raw[:2] == b"\x1f\x8b" else None

    def read(self, n: int) -> bytes:
        if self.inflater is None:
            out = self.raw[self.pos:self.pos + n]
            self.pos += len(out)
            return out
        try:
            out = self.inflater.decompress(self.inflater.unconsumed_tail or self.raw, n)
        except zlib.error as exc:
            raise DataError(f"{self.label}: damaged gzip data ({exc})") from None
        self.raw = b""
        return out

    def at_end(self) -> bool:
        if self.inflater is None:
            return self.pos >= len(self.raw)
        return not self.read(1)


def read_idx(path: str | Path, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file: a regular file of at most max_bytes, its magic number and header checked before
    the body, and gzip output capped at max_bytes while it is decompressed."""
    label = str(path)
    source = _Source(read_regular_file(path, max_bytes, DataError, label), label)
    magic = source.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _DTYPES:
        raise DataError(f"{label} is not an IDX file (bad magic number)")
    ndim = magic[3]
    if not 1 <= ndim <= MAX_IDX_NDIM:
        raise DataError(f"{label}: an IDX file with {ndim} dimensions is not supported (1 to {MAX_IDX_NDIM})")
    dims = source.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise DataError(f"{label} is truncated: its IDX header is incomplete")
    shape = struct.unpack(f">{ndim}I", dims)
    dtype = np.dtype(_DTYPES[magic[2]])
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if expected > max_bytes:
        raise DataError(f"{label}: its header claims {expected:,} bytes of data; the limit is {max_bytes:,}")
    body = source.read(expected)
    if len(body) != expected or not source.at_end():
        raise DataError(f"{label} is truncated or padded: its header promises {expected:,} data bytes")
    return np.frombuffer(body, dtype=dtype).reshape(shape)


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
