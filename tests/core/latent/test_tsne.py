"""t-SNE by openTSNE from a PCA start, with progress, cached on disk across processes."""

import numpy as np
import pytest

from vae_core.errors import ConfigError
from vae_core.latent import tsne as tsne_mod


def blobs(n=150, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, 8)) * 8
    return centres[np.arange(n) % 3] + rng.normal(size=(n, 8))


def test_embedding_separates_clusters_reports_progress_and_is_read_back_from_disk(tmp_path, monkeypatch):
    x = blobs()
    seen = []
    coords = tsne_mod.tsne_embedding(x, seed=0, folder=tmp_path, progress=seen.append)
    assert coords.shape == (150, 2) and np.isfinite(coords).all()
    assert seen and seen[-1] == pytest.approx(1.0) and seen == sorted(seen)
    labels = np.arange(150) % 3
    centres = np.stack([coords[labels == k].mean(0) for k in range(3)])
    within = np.mean([np.linalg.norm(coords[labels == k] - centres[k], axis=1).mean() for k in range(3)])
    between = min(np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a + 1, 3))
    assert between > 3 * within
    assert len(list(tmp_path.glob("tsne-*.npy"))) == 1

    def no_compute(*args, **kwargs):
        raise AssertionError("recomputed although the embedding is on disk")

    monkeypatch.setattr(tsne_mod, "_compute", no_compute)
    np.testing.assert_array_equal(tsne_mod.tsne_embedding(x, seed=0, folder=tmp_path), coords)


def test_a_damaged_cache_file_is_recomputed(tmp_path):
    x = blobs(n=60)
    tsne_mod.tsne_path(x, 0, None, tmp_path).parent.mkdir(parents=True, exist_ok=True)
    tsne_mod.tsne_path(x, 0, None, tmp_path).write_bytes(b"not an array")
    assert tsne_mod.tsne_embedding(x, seed=0, folder=tmp_path).shape == (60, 2)
    with pytest.raises(ConfigError, match="N >= 4"):
        tsne_mod.tsne_embedding(np.zeros((2, 3)), folder=tmp_path)
