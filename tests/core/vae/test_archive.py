"""Checkpoint archives: a bit-exact round trip, and every refusal of an untrusted upload."""

import io
import json
import pickle
import zipfile

import pytest
import torch

import vae_core
from vae_core.vae import archive
from vae_core.vae.archive import ArchiveError, export_archive, import_archive, validate_archive
from vae_core.vae.checkpoint import save_checkpoint


@pytest.fixture(autouse=True)
def models_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))


@pytest.fixture
def good(tmp_path, tiny_model):
    save_checkpoint(tiny_model, tmp_path / "ck", {"seed": 5})
    return export_archive(tmp_path / "ck", name="tiny")


def _zip(entries: dict, **kw) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", **kw) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def _entries(blob):
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_round_trip_is_bit_exact_and_the_model_is_usable_everywhere(good, tiny_model):
    assert sorted(_entries(good)) == ["README.md", "model.json", "model.safetensors"]
    name = import_archive(good, "tiny")
    assert name in vae_core.list_models()
    model = vae_core.load_model(name)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), tiny_model.state_dict().values()))
    assert model.card["seed"] == 5
    assert export_archive(vae_core.vae.registry.resolve(name), name="tiny") == good  # same bytes again


@pytest.mark.parametrize("make, message", [
    (lambda e: pickle.dumps({"weights": 1}), "is a pickle"),
    (lambda e: _zip({"archive/data.pkl": pickle.dumps(1), "archive/version": b"3"}), "pickle"),
    (lambda e: _zip({**e, "evil.pkl": b"x"}), "pickle-format file"),
    (lambda e: _zip({**e, "model.pt": b"x"}), "pickle-format file"),
    (lambda e: _zip({**e, "model.safetensors": pickle.dumps([1, 2])}), "is a pickle"),
    (lambda e: _zip({**e, "../evil.json": b"{}"}), "path traversal"),
    (lambda e: _zip({**e, "/etc/passwd": b"x"}), "absolute path"),
    (lambda e: _zip({**e, "notes.txt": b"x"}), "unexpected archive entry"),
    (lambda e: _zip({**e, **{f"README{i}.md": b"x" for i in range(9)}}), "at most 8"),
    (lambda e: _zip({k: v for k, v in e.items() if k != "model.json"}), "no model.json"),
    (lambda e: _zip({**e, "model.json": b"{not json"}), "not valid JSON"),
    (lambda e: _zip({**e, "model.json": b"[1]"}), "JSON object"),
    (lambda e: b"hello, not a zip", "not a zip"),
    (lambda e: _zip({**e, "model.json": _sidecar(e, latent_dim=3)}), "does not fit its config"),
    (lambda e: _zip({**e, "model.json": _sidecar(e, hidden=[10**6])}), "config hidden"),
    (lambda e: _zip({**e, "model.json": _sidecar(e, latent_dim=65)}), "latent_dim"),
    (lambda e: _zip({**e, "model.json": _sidecar(e, image_shape=[4096, 4096])}), "image_shape"),
    (lambda e: _zip({**e, "model.safetensors": e["model.safetensors"][:-4]}), "does not match the hash"),
])
def test_malicious_or_broken_archives_are_refused(good, make, message):
    blob = make(_entries(good))
    with pytest.raises(ArchiveError, match=message):
        import_archive(blob)
    assert [m for m in vae_core.list_models() if m.startswith("user:")] == []


def _sidecar(entries, **config_changes):
    sidecar = json.loads(entries["model.json"])
    sidecar["config"].update(config_changes)
    return json.dumps(sidecar).encode()


def test_a_zip_bomb_is_stopped_by_declared_and_by_actual_size(good, monkeypatch):
    bomb = _zip({**_entries(good), "README.md": b"\0" * (300 * 2**10)}, compression=zipfile.ZIP_DEFLATED)
    assert len(bomb) < 10_000  # tiny on the wire
    with pytest.raises(ArchiveError, match="over its"):
        validate_archive(bomb)
    # whatever a header declares, the read itself stops once the limit is passed
    with zipfile.ZipFile(io.BytesIO(bomb)) as zf:
        with pytest.raises(ArchiveError, match="more than its"):
            archive._bounded_read(zf, zf.getinfo("README.md"), limit=2**16)


def test_an_oversized_upload_is_refused_before_unzipping(monkeypatch, good):
    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 100)
    with pytest.raises(ArchiveError, match="the limit is"):
        validate_archive(good)
