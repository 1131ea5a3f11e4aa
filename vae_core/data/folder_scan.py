"""Listing a folder: data set before any of its files is opened.

One subfolder per class; every entry is counted and every image file's size read from a stat (os.scandir),
so a folder of too many classes, entries, images or bytes is refused at once, with a one-line message, rather
than after its images have been decoded one by one (100,050 tiny PNGs took over two minutes to reach the
image limit that way).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .imageio import MAX_FILE_BYTES

# The image files of one folder together. A folder's decoded pixels are bounded separately (the loader's
# MAX_FOLDER_PIXELS, 64 M); compressed images hold far fewer bytes than that many pixels.
MAX_FOLDER_BYTES = 1_000_000_000
# Directory entries listed in all, images or not, so that listing a folder is itself bounded.
MAX_FOLDER_ENTRIES = 250_000


@dataclass(frozen=True)
class FolderListing:
    classes: tuple[str, ...]  # the class subfolders' names, sorted
    files: tuple[tuple[int, Path], ...]  # (class index, image file), in load order


def list_class_folders(root: Path, name: str, suffixes: set[str], max_images: int, max_classes: int,
                       check: Callable[[Path], None]) -> FolderListing:
    """The image files under root's class subfolders (names with one of `suffixes`, case-insensitive), or a
    DataError as soon as a limit is passed. `check(path)` runs on every image file before its stat (the data
    roots' rule: nothing outside them is looked at)."""
    entries = 0

    def listed(folder: Path) -> list[os.DirEntry]:
        nonlocal entries
        out = []
        with os.scandir(folder) as it:
            for entry in it:
                entries += 1
                if entries > MAX_FOLDER_ENTRIES:
                    raise DataError(f"{name}: more than {MAX_FOLDER_ENTRIES:,} files and folders; "
                                    f"a folder data set holds at most {max_images:,} images")
                out.append(entry)
        return out

    try:
        classes = sorted(e.name for e in listed(root) if not e.name.startswith(".") and e.is_dir())
    except OSError as exc:
        raise DataError(f"{name}: cannot list the folder ({exc.strerror or type(exc).__name__})") from None
    if len(classes) > max_classes:
        raise DataError(f"{name}: {len(classes):,} class subfolders; at most {max_classes:,} classes are supported")
    files, total = [], 0
    for label, cls in enumerate(classes):
        try:
            images = sorted((e for e in listed(root / cls) if os.path.splitext(e.name)[1].lower() in suffixes),
                            key=lambda e: e.name)
        except OSError as exc:
            raise DataError(f"{name}: cannot list the class folder {cls!r} "
                            f"({exc.strerror or type(exc).__name__})") from None
        if len(files) + len(images) > max_images:
            raise DataError(f"{name}: more than {max_images:,} images; the limit is {max_images:,}")
        for entry in images:
            path = root / cls / entry.name
            check(path)
            total += _size(entry, name, cls)
            if total > MAX_FOLDER_BYTES:
                raise DataError(f"{name}: the image files hold more than {MAX_FOLDER_BYTES:,} bytes together; "
                                "use fewer or smaller images")
            files.append((label, path))
    return FolderListing(tuple(classes), tuple(files))


def _size(entry: os.DirEntry, name: str, cls: str) -> int:
    """A regular file's size in bytes, refused over MAX_FILE_BYTES; 0 for anything else, which the image
    reader then refuses with its own message when it comes to it."""
    try:
        info = entry.stat()
    except OSError:
        return 0
    if not stat.S_ISREG(info.st_mode):
        return 0
    if info.st_size > MAX_FILE_BYTES:
        raise DataError(f"{name}: {cls}/{entry.name} is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    return info.st_size
