import hashlib
import json
import math
import os

import pytest
import torch
from safetensors.torch import load_file

from vae_core import fileio
from vae_core.errors import CheckpointError
from vae_core.vae.checkpoint import load_checkpoint, save_checkpoint
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE
from vae_core.vae.registry import load_model


def _saved(tmp_path, model):
    save_checkpoint(model, tmp_path / "ck", {"seed": 3, "metrics": {"val_elbo": -1.0}})
    return tmp_path / "ck"


def test_round_trip_is_bit_exact(tmp_path, tiny_model):
    path = _saved(tmp_path, tiny_model)
    loaded, sidecar = load_checkpoint(path)
    assert loaded.config == tiny_model.config
    for (k, a), (k2, b) in zip(tiny_model.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    z = torch.randn(4, 2)
    assert torch.equal(tiny_model.decode(z), loaded.decode(z))
    assert sidecar["seed"] == 3 and sidecar["metrics"]["val_elbo"] == -1.0
    assert sidecar["num_parameters"] == tiny_model.num_parameters


def test_load_model_accepts_folder_weights_or_sidecar_path(tmp_path, tiny_model):
    path = _saved(tmp_path, tiny_model)
    for p in (path, path / "model.safetensors", path / "model.json"):
        m = load_model(str(p))
        assert m.config == tiny_model.config and not m.training
        assert m.card["seed"] == 3


def test_no_pickle_anywhere_in_a_checkpoint(tmp_path, tiny_model):
    """The weights parse as safetensors by its spec, so pickle or a torch.save zip cannot pass."""
    path = _saved(tmp_path, tiny_model)
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "model.safetensors"]
    blob = (path / "model.safetensors").read_bytes()
    header_len = int.from_bytes(blob[:8], "little")
    assert 8 + header_len <= len(blob), "no safetensors header length"
    header = json.loads(blob[8:8 + header_len])
    header.pop("__metadata__", None)
    assert set(header) == set(tiny_model.state_dict())
    # float32 tensors laid end to end, exactly filling the data section
    spans = sorted(tuple(entry["data_offsets"]) for entry in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(blob) - 8 - header_len
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    for entry in header.values():
        begin, end = entry["data_offsets"]
        assert entry["dtype"] == "F32" and end - begin == 4 * math.prod(entry["shape"])
    loaded = load_file(path / "model.safetensors")
    assert all(torch.equal(loaded[k], v) for k, v in tiny_model.state_dict().items())
    assert json.loads((path / "model.json").read_text())["format"] == "vae_core.checkpoint"


def test_corrupted_weights_give_a_clear_error(tmp_path, tiny_model):
    path = _saved(tmp_path, tiny_model)
    blob = bytearray((path / "model.safetensors").read_bytes())
    blob[-3] ^= 0xFF
    (path / "model.safetensors").write_bytes(bytes(blob))
    with pytest.raises(CheckpointError, match="corrupted or belongs to another checkpoint"):
        load_checkpoint(path)


def _rewrite_sidecar(path, **changes):
    sidecar = json.loads((path / "model.json").read_text())
    sidecar.update(changes)
    (path / "model.json").write_text(json.dumps(sidecar))


def test_config_that_does_not_fit_the_weights_is_named(tmp_path, tiny_model):
    path = _saved(tmp_path, tiny_model)
    sidecar = json.loads((path / "model.json").read_text())
    _rewrite_sidecar(path, config={**sidecar["config"], "latent_dim": 3})
    with pytest.raises(CheckpointError, match=r"does not fit its config: .*decoder.0.weight"):
        load_checkpoint(path)


def test_garbage_weights_with_a_matching_hash_are_rejected(tmp_path, tiny_model):
    path = _saved(tmp_path, tiny_model)
    garbage = b"this is not safetensors"
    (path / "model.safetensors").write_bytes(garbage)
    _rewrite_sidecar(path, weights_sha256=hashlib.sha256(garbage).hexdigest())
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_checkpoint(path)


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"format": "something-else"}', "not a vae_core checkpoint"),
    ('{"format": "vae_core.checkpoint", "format_version": 99}', "unsupported checkpoint format version"),
    ('{"format": "vae_core.checkpoint", "format_version": 1, "config": {"latent_dim": 0}}', "latent_dim"),
])
def test_bad_sidecars_are_explained(tmp_path, tiny_model, text, message):
    path = _saved(tmp_path, tiny_model)
    (path / "model.json").write_text(text)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)


def test_missing_files_are_explained(tmp_path, tiny_model):
    path = _saved(tmp_path, tiny_model)
    (path / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="weights file missing"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="no checkpoint at .*nowhere"):
        load_model(str(tmp_path / "nowhere"))
    with pytest.raises(CheckpointError, match="no model named 'nowhere'"):
        load_model("nowhere")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "file.bin"
    fileio.atomic_write_bytes(target, b"old")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        fileio.atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_conditional_and_gaussian_models_round_trip(tmp_path):
    torch.manual_seed(0)
    cfg = VAEConfig(image_shape=(4, 4), latent_dim=3, hidden=(8, 4), likelihood="gaussian", beta=0.2,
                    labels=("x", "y"), conditional=True)
    model = VAE(cfg)
    save_checkpoint(model, tmp_path / "c.safetensors")
    loaded, _ = load_checkpoint(tmp_path / "c.json")
    z = torch.randn(2, 3)
    assert loaded.config == cfg
    assert torch.equal(loaded.decode(z, 1), model.decode(z, 1))
