"""A training's replay (vae_core/vae/replay.py): thinned to its budget keeping the first and last epochs, a
larger latent seen in the final model's PCA basis, saved beside the weights under the sidecar's hash, carried
by the archive, and refused (one line, never code) when it is damaged or hostile."""

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest
import torch
from safetensors.torch import save as save_safetensors_bytes
from sklearn.decomposition import PCA

from vae_core.errors import CheckpointError
from vae_core.vae.archive import ArchiveError, export_archive, import_archive
from vae_core.vae.checkpoint import read_sidecar, save_checkpoint
from vae_core.vae.registry import model_replay
from vae_core.vae.replay import (
    ReplayRecorder,
    kept_epochs,
    read_replay,
    replay_bytes,
    replay_entry,
    replay_from_bytes,
    replay_path,
)

RNG = np.random.default_rng(0)
N, SIDE = 50, 8


def recorder_with(epochs: int, latent: int) -> ReplayRecorder:
    rec = ReplayRecorder(["a", "b", "c"], RNG.integers(0, 3, N), RNG.random((8, SIDE, SIDE)))
    for e in range(1, epochs + 1):
        rec.add(e, RNG.normal(size=(N, latent)) * e, RNG.random((8, SIDE, SIDE)), RNG.random((8, SIDE, SIDE)))
    return rec


def test_kept_epochs_keep_the_first_the_last_and_an_even_spread():
    assert kept_epochs(5, 10).tolist() == [0, 1, 2, 3, 4]
    kept = kept_epochs(101, 11)
    assert kept.tolist() == list(range(0, 101, 10))
    assert kept_epochs(1000, 7)[[0, -1]].tolist() == [0, 999]


def test_a_2d_replay_keeps_the_means_as_they_are_and_fits_its_budget():
    rec = recorder_with(300, 2)
    replay = rec.finish(rec.means[-1], epochs_run=300, max_bytes=200_000)
    assert replay.projection == "latent" and replay.axis_titles == ("z1", "z2")
    assert replay.epochs[0] == 1 and replay.epochs[-1] == 300 and len(replay.epochs) < 300
    assert len(replay_bytes(replay)) <= 200_000
    i = len(replay.epochs) // 2
    np.testing.assert_allclose(replay.points[i], rec.means[replay.epochs[i] - 1], rtol=1e-3, atol=1e-2)  # float16
    assert replay.reconstructions.shape == (len(replay.epochs), 8, SIDE, SIDE)
    assert replay.reconstructions.dtype == np.uint8


def test_a_larger_latent_is_projected_on_the_final_models_principal_components():
    rec = recorder_with(6, 5)
    final = RNG.normal(size=(N, 5)) * [5, 3, 1, 0.5, 0.1]
    replay = rec.finish(final, epochs_run=6)
    pca = PCA(n_components=2).fit(final)
    assert replay.projection == "pca"
    np.testing.assert_allclose(replay.explained, pca.explained_variance_ratio_, rtol=1e-6)
    np.testing.assert_allclose(replay.points[2], pca.transform(rec.means[2]), rtol=2e-3, atol=2e-2)
    assert replay.axis_titles[0].startswith("PC1 of the final")


def test_a_replay_survives_its_bytes_and_an_empty_recorder_has_none():
    rec = recorder_with(4, 3)
    replay = rec.finish(rec.means[-1], 4)
    back = replay_from_bytes(replay_bytes(replay))
    assert back.epochs.tolist() == [1, 2, 3, 4] and back.class_names == ["a", "b", "c"]
    np.testing.assert_array_equal(back.samples, replay.samples)
    assert back.explained == pytest.approx(replay.explained)
    assert ReplayRecorder(["a"], [0], np.zeros((1, 2, 2))).finish(np.zeros((1, 2)), 0) is None


def _tensors(replay, **change):
    t = {"epochs": torch.tensor(replay.epochs, dtype=torch.int32),
         "points": torch.tensor(replay.points, dtype=torch.float16),
         "labels": torch.tensor(replay.labels, dtype=torch.int16),
         "originals": torch.tensor(replay.originals), "reconstructions": torch.tensor(replay.reconstructions),
         "samples": torch.tensor(replay.samples)}
    t.update(change)
    return t


def _meta(**change):
    meta = {"class_names": ["a", "b", "c"], "projection": "latent", "epochs_run": 4, "explained": None}
    meta.update(change)
    return {"format": "vae_core.replay", "meta": json.dumps(meta)}


@pytest.mark.parametrize("tensors, meta, message", [
    (dict(epochs=torch.tensor([1, 3, 2, 4], dtype=torch.int32)), {}, "increasing"),
    (dict(points=torch.full((4, N, 2), float("nan"), dtype=torch.float16)), {}, "finite"),
    (dict(points=torch.zeros(4, N, 2)), {}, "dtypes"),  # float32 where float16 belongs
    (dict(labels=torch.full((N,), 7, dtype=torch.int16)), {}, "names no class"),
    (dict(samples=torch.zeros(4, 8, 9, 9, dtype=torch.uint8)), {}, "images"),
    ({}, dict(projection="tsne"), "projection"),
    ({}, dict(epochs_run=2), "epoch count"),
    ({}, dict(class_names="abc"), "class names"),
    ({}, dict(projection="pca"), "shares of the variance"),
])
def test_a_damaged_replay_is_refused_in_one_line(tensors, meta, message):
    rec = recorder_with(4, 2)
    replay = rec.finish(rec.means[-1], 4)
    blob = save_safetensors_bytes(_tensors(replay, **tensors), metadata=_meta(**meta))
    with pytest.raises(CheckpointError, match=message) as err:
        replay_from_bytes(blob)
    assert "\n" not in str(err.value)


def test_bytes_that_are_not_a_replay_are_refused():
    for blob in (b"", b"\x10" * 64, save_safetensors_bytes({"x": torch.zeros(2)})):
        with pytest.raises(CheckpointError, match="not"):
            replay_from_bytes(blob)
    with pytest.raises(CheckpointError, match="over the 3 MB limit"):
        replay_from_bytes(b"0" * (4 * 2**20))


@pytest.fixture
def with_replay(tmp_path, tiny_model, monkeypatch):
    """A checkpoint folder whose sidecar names its replay, as save_trained writes it."""
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    rec = recorder_with(5, 2)
    replay = rec.finish(rec.means[-1], 5)
    blob = replay_bytes(replay)
    folder = tmp_path / "ck"
    folder.mkdir()
    replay_path(folder / "model.json").write_bytes(blob)
    save_checkpoint(tiny_model, folder, {"replay": replay_entry(folder / "model.json", blob)})
    return folder, replay


def test_the_sidecar_names_the_replay_by_hash_and_a_swapped_file_is_caught(with_replay):
    folder, replay = with_replay
    sidecar = read_sidecar(folder)
    assert sidecar["replay"]["file"] == "model.replay.safetensors"
    assert model_replay(str(folder)).epochs.tolist() == replay.epochs.tolist()
    other = recorder_with(3, 2)
    (folder / "model.replay.safetensors").write_bytes(replay_bytes(other.finish(other.means[-1], 3)))
    with pytest.raises(CheckpointError, match="does not match the hash"):
        read_replay(folder / "model.json", sidecar)
    (folder / "model.replay.safetensors").unlink()
    with pytest.raises(CheckpointError, match="missing"):
        read_replay(folder / "model.json", sidecar)
    with pytest.raises(CheckpointError, match="unexpected file"):
        read_replay(folder / "model.json", {"replay": {"file": "../../etc/passwd"}})


def test_the_archive_carries_the_replay_and_refuses_one_without_its_sidecar_entry(with_replay):
    folder, replay = with_replay
    blob = export_archive(folder, name="tiny")
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    assert "model.replay.safetensors" in entries
    name = import_archive(blob, "tiny")
    assert model_replay(name).epochs.tolist() == replay.epochs.tolist()
    sidecar = json.loads(entries["model.json"])
    alone = dict(entries, **{"model.json": json.dumps({**sidecar, "replay": None}).encode()})
    hostile = dict(entries, **{"model.replay.safetensors": b"\x08" + b"\x00" * 7 + b"{}" * 4})
    hostile["model.json"] = json.dumps({**sidecar, "replay": {**sidecar["replay"], "sha256": hashlib.sha256(
        hostile["model.replay.safetensors"]).hexdigest()}}).encode()
    for bad, message in ((alone, "must come together"), (hostile, "replay is not valid")):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for n, data in bad.items():
                zf.writestr(n, data)
        with pytest.raises(ArchiveError, match=message):
            import_archive(out.getvalue(), "bad")
