"""A training's full state: saved between epochs (safetensors + JSON, never pickle), a resumed run goes on
bit for bit as if it had never stopped, and a state of other settings or a damaged one is refused."""

import json

import numpy as np
import pytest
import torch

from vae_core.data.datasets import Dataset
from vae_core.errors import CheckpointError, ConfigError, VAECoreError
from vae_core.vae.model import VAE
from vae_core.vae.train import TrainConfig, model_config, train
from vae_core.vae.train_state import load_train_state, restore, save_train_state, state_epoch

METRICS = ("train_elbo", "train_kl", "val_elbo", "val_reconstruction", "val_kl", "val_kl_per_dim", "kl_weight")


def _data(n=80):
    rng = np.random.default_rng(0)
    x = (rng.random((n, 16)) > 0.5).astype(np.float32)
    return Dataset("toy", x, rng.integers(0, 3, n).astype(np.int64), (4, 4), ("a", "b", "c"))


def _cfg(**kw):
    return TrainConfig(**{**dict(data="toy", latent_dim=2, hidden=(8,), epochs=6, batch_size=8, val_fraction=0.25,
                                 patience=3, kl_warmup_epochs=2, augment_shift=1, samples=2), **kw})


def _state_at(epoch, tmp_path, cfg=None, data=None):
    """Train to `epoch`, saving the state there, as a run interrupted right after it would have."""
    cfg, data = cfg or _cfg(), data or _data()
    folder = tmp_path / f"state-{epoch}"
    train(cfg, data, progress=False,
          on_state=lambda s: save_train_state(s, folder) if s.epoch == epoch else None, state_every=1)
    return folder


@pytest.mark.parametrize("binarize", ["none", "dynamic"])
def test_a_resumed_run_continues_exactly_as_if_it_had_never_stopped(tmp_path, binarize):
    """Also with dynamic binarisation, whose draws must not depend on where the run was stopped."""
    data = _data()
    if binarize == "dynamic":  # grey pixels, so that every epoch draws different binary images
        data = Dataset("toy", np.random.default_rng(1).random((80, 16)).astype(np.float32), data.y, (4, 4),
                       data.class_names)
    whole = train(_cfg(binarize=binarize), data, progress=False)
    folder = _state_at(3, tmp_path, cfg=_cfg(binarize=binarize), data=data)
    assert state_epoch(folder) == 3
    resumed = train(_cfg(binarize=binarize), data, progress=False, resume=load_train_state(folder))
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3, 4, 5, 6]  # the epoch count continues
    for a, b in zip(whole.history, resumed.history, strict=True):
        assert {k: a[k] for k in METRICS} == {k: b[k] for k in METRICS}
    assert resumed.best_epoch == whole.best_epoch and resumed.stopped_early == whole.stopped_early
    assert resumed.history[-1]["time_s"] >= resumed.history[2]["time_s"]  # the training time carries on too
    for a, b in zip(whole.model.state_dict().values(), resumed.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_the_optimiser_state_comes_back_equal(tmp_path):
    data, captured = _data(), []
    train(_cfg(epochs=3), data, progress=False, on_state=captured.append, state_every=3)
    folder = tmp_path / "s"
    save_train_state(captured[-1], folder)
    loaded = load_train_state(folder)
    model = VAE(model_config(_cfg(), data))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    restore(loaded, model, opt, torch.Generator())
    saved, now = captured[-1].optimizer, opt.state_dict()
    assert saved["state"].keys() == now["state"].keys() and len(saved["state"]) == len(list(model.parameters()))
    for i, moments in saved["state"].items():
        for name, value in moments.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(now["state"][i][name])), (i, name)
    assert now["param_groups"][0]["betas"] == saved["param_groups"][0]["betas"]
    for k, v in captured[-1].model.items():
        assert torch.equal(model.state_dict()[k], v)


def test_the_state_is_safetensors_and_json_and_a_newer_one_replaces_the_older(tmp_path):
    data, captured = _data(), []
    train(_cfg(epochs=4), data, progress=False, on_state=captured.append, state_every=2)
    folder = tmp_path / "s"
    for state in captured:
        save_train_state(state, folder)
    files = {p.name for p in folder.iterdir()}
    sidecar = json.loads((folder / "state.json").read_text())
    assert files == {"state.json", sidecar["tensors_file"]} and sidecar["epoch"] == 4
    assert not any(p.suffix in (".pt", ".pkl", ".pth") for p in folder.iterdir())
    assert load_train_state(folder).epoch == 4


def test_a_damaged_state_or_one_of_other_settings_is_refused(tmp_path):
    data = _data()
    folder = _state_at(2, tmp_path, data=data)
    with pytest.raises(ConfigError, match="other settings"):
        train(_cfg(lr=2e-3), data, progress=False, resume=load_train_state(folder))
    tensors = next(folder.glob("state.*.safetensors"))
    blob = bytearray(tensors.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    tensors.write_bytes(bytes(blob))
    with pytest.raises(CheckpointError, match="corrupted"):
        load_train_state(folder)
    (folder / "state.json").write_text("{")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_train_state(folder)
    assert state_epoch(folder) == 0 and state_epoch(tmp_path / "none") == 0


def test_resume_refuses_another_data_set(tmp_path):
    folder = _state_at(2, tmp_path)
    other = _data()
    other.x[0] = 1 - other.x[0]
    with pytest.raises(ConfigError, match="data set has changed"):
        train(_cfg(), other, progress=False, resume=load_train_state(folder))


def test_states_are_single_process_only():
    from vae_core.vae.distributed import Placement

    where = Placement(torch.device("cpu"), rank=0, world=2)
    with pytest.raises(VAECoreError, match="single-process"):
        train(_cfg(), _data(), progress=False, placement=where, on_state=lambda s: None, state_every=1)
