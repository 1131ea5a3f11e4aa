"""vae_core.fileio.disk_cached_arrays: results kept across processes."""

import numpy as np

from vae_core import fileio
from vae_core.fileio import array_key, disk_cached_arrays


def test_computed_once_then_read_back_and_a_damaged_file_is_recomputed(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_CORE_CACHE", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(5.0), "k": np.float64(2.5)}

    key = array_key("demo", np.ones(3), 7)
    first = disk_cached_arrays("demo", key, compute)
    second = disk_cached_arrays("demo", key, compute)
    assert len(calls) == 1
    np.testing.assert_array_equal(second["x"], first["x"])
    assert float(second["k"]) == 2.5
    (tmp_path / "demo" / f"{key}.npz").write_bytes(b"not a zip file")
    third = disk_cached_arrays("demo", key, compute)
    assert len(calls) == 2 and np.array_equal(third["x"], np.arange(5.0))


def test_keys_follow_every_input_and_the_folder_stays_bounded(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_CORE_CACHE", str(tmp_path))
    a = np.zeros(4, np.float32)
    assert array_key(a, 1) != array_key(a, 2)
    assert array_key(a, 1) != array_key(a.astype(np.float64), 1)  # same values, other dtype
    assert array_key(a, 1) != array_key(a.reshape(2, 2), 1)
    b = a.copy()
    b[3] = 1e-30
    assert array_key(a, 1) != array_key(b, 1)
    monkeypatch.setattr(fileio, "DISK_CACHE_FILES", 3)
    for i in range(6):
        disk_cached_arrays("bounded", array_key(i), lambda: {"x": np.zeros(1)})
    assert len(list((tmp_path / "bounded").glob("*.npz"))) == 3
