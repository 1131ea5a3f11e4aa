"""Checksum-verified downloads of the full MNIST and Fashion-MNIST files."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..fileio import atomic_write_bytes


@dataclass(frozen=True)
class RemoteFile:
    name: str
    md5: str


@dataclass(frozen=True)
class RemoteDataset:
    """A data set published as IDX files on one or more mirrors."""

    name: str
    mirrors: tuple[str, ...]
    files: dict[str, RemoteFile]  # keys: train-images, train-labels, test-images, test-labels
    class_names: tuple[str, ...]


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(remote: RemoteDataset, key: str, dest_dir: Path, timeout: float = 30.0) -> Path:
    """Return the cached file for `key`, downloading it from the first mirror
    that answers with the right checksum."""
    item = remote.files[key]
    dest = Path(dest_dir) / item.name
    if dest.exists() and md5_of(dest) == item.md5:
        return dest
    problems = []
    for mirror in remote.mirrors:
        url = mirror.rstrip("/") + "/" + item.name
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                data = response.read()
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
            problems.append(f"{url}: {getattr(exc, 'reason', exc)}")
            continue
        got = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if got != item.md5:
            problems.append(f"{url}: checksum {got} does not match the published {item.md5}")
            continue
        atomic_write_bytes(dest, data)
        return dest
    raise DataError(
        f"could not download {remote.name} file {item.name} ({'; '.join(problems)}). "
        "If this machine is offline, copy the four IDX files into the data cache folder "
        "or load them with the data set name idx:PATH",
        local_detail=f"the data cache folder is {dest_dir}",
    )
