"""Training never loses a good model: NaN stop, checked settings, one-unit checkpoint swaps, a writer lock."""

import json
import threading

import numpy as np
import pytest
import torch

from vae_core.cli.main import main
from vae_core.data.datasets import Dataset
from vae_core.errors import CheckpointError, ConfigError, TrainingDivergedError
from vae_core.vae import train as train_module
from vae_core.vae.checkpoint import checkpoint_writer, load_checkpoint, save_checkpoint
from vae_core.vae.train import TrainConfig, train, train_and_save

TINY = dict(latent_dim=2, hidden=(8,), epochs=2, batch_size=16, val_fraction=0.25, seed=0)


def _data(n=64, labels=("a", "b")):
    rng = np.random.default_rng(0)
    x = (rng.random((n, 16)) > 0.5).astype(np.float32)
    return Dataset("toy", x, rng.integers(0, max(1, len(labels)), n).astype(np.int64), (4, 4), labels)


def _poison_after(monkeypatch, n_calls):
    real, calls = train_module.elbo_terms, {"n": 0}

    def terms(model, x, y=None, samples=1):
        t = real(model, x, y, samples)
        calls["n"] += model.training
        if model.training and calls["n"] > n_calls:
            t.reconstruction = t.reconstruction * float("nan")
        return t

    monkeypatch.setattr(train_module, "elbo_terms", terms)


def test_nan_loss_stops_at_once_and_leaves_the_previous_checkpoint(tmp_path, monkeypatch, capsys):
    out = tmp_path / "ck"
    train_and_save(TrainConfig(**TINY), out, progress=False, data=_data())
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _poison_after(monkeypatch, 5)  # epoch 1 has 3 batches: dies in epoch 2, batch 3
    with pytest.raises(TrainingDivergedError, match="epoch 2, batch 3.*no checkpoint was written") as info:
        train_and_save(TrainConfig(**{**TINY, "seed": 1}), out, progress=False, data=_data())
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # the error carries the last good state (epoch 1) for a UI that wants to keep it
    assert info.value.result is not None and len(info.value.result.history) == 1
    assert all(torch.isfinite(v).all() for v in info.value.result.model.state_dict().values())


def test_cli_nan_is_one_error_line(tmp_path, monkeypatch, capsys):
    _poison_after(monkeypatch, 0)
    code = main(["train", "--data", "digits", "--hidden", "8", "--epochs", "1", "--out", str(tmp_path / "x"),
                 "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and err[0].startswith("error: training diverged")
    assert not (tmp_path / "x" / "model.json").exists()


def test_sidecar_never_holds_bare_nan(tmp_path, tiny_model):
    save_checkpoint(tiny_model, tmp_path / "ck", {"metrics": {"val_elbo": float("nan"), "x": [float("inf"), 1.0]}})
    text = (tmp_path / "ck" / "model.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    sidecar = json.loads(text)
    assert sidecar["metrics"] == {"val_elbo": None, "x": [None, 1.0]}


@pytest.mark.parametrize("changes, field", [
    ({"latent_dim": 0}, "latent_dim"), ({"latent_dim": 65}, "latent_dim"), ({"lr": 0.0}, "lr"),
    ({"lr": -1e-3}, "lr"), ({"lr": float("nan")}, "lr"), ({"lr": None}, "lr"), ({"epochs": 0}, "epochs"),
    ({"epochs": "ten"}, "epochs"), ({"hidden": 16}, "hidden"), ({"hidden": [0]}, "hidden"),
    ({"threads": 0}, "threads"), ({"seed": -1}, "seed"), ({"seed": 2**32}, "seed"),
    ({"val_fraction": 1.0}, "val_fraction"), ({"val_fraction": 0}, "val_fraction"),
    ({"likelihood": "gaussian"}, "beta"), ({"likelihood": "gaussian", "beta": float("inf")}, "beta"),
    ({"likelihood": "gaussian", "beta": 100.0}, "beta"), ({"beta": 0.5}, "beta"),
    ({"kl_weight": -1.0}, "kl_weight"), ({"kl_weight": float("nan")}, "kl_weight"),
    ({"conditional": "yes"}, "conditional"), ({"epochs": True}, "epochs"),
    ({"epochs": 10**9}, "epochs"), ({"patience": 10**9}, "patience"), ({"kl_warmup_epochs": 10**9}, "kl_warmup"),
])
def test_invalid_settings_are_refused_with_the_field_named(changes, field):
    with pytest.raises(ConfigError, match=field):
        TrainConfig(**{**TINY, **changes})


def test_absurd_epochs_are_refused_with_the_limit_named():
    with pytest.raises(ConfigError) as info:
        TrainConfig(**{**TINY, "epochs": 10**9})
    assert str(info.value) == "epochs (--epochs) must be from 1 to 10,000, got 1000000000"
    with pytest.raises(ConfigError, match="got 99999999999999999999999$"):
        TrainConfig(**{**TINY, "epochs": 99999999999999999999999})
    with pytest.raises(ConfigError, match="got a 41-digit number"):
        TrainConfig(**{**TINY, "epochs": 10**40})
    assert TrainConfig(**{**TINY, "epochs": 10_000}).epochs == 10_000


@pytest.mark.parametrize("text, fragment", [
    ('{"epochs": "ten"}', "epochs (--epochs) must be an integer, got the string 'ten'"),
    ('{"hidden": 16}', "hidden (--hidden) must be a list"), ('{"lr": null}', "lr (--lr) must be a number, got null"),
    ("[1, 2]", "must be a JSON object"), ('{"bogus": 1}', "unknown training options: bogus"),
])
def test_config_json_types_are_checked(tmp_path, text, fragment):
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_json(path)
    assert fragment in str(info.value)


@pytest.mark.parametrize("changes, data, fragment", [
    ({"batch_size": 49}, _data(64), "batch_size (--batch-size) 49 is larger than the 48 training images"),
    ({"val_fraction": 0.99}, _data(4), "leaves no training image"),
    ({"conditional": True}, _data(64, labels=()), "has no labels"),
])
def test_settings_the_data_cannot_support_are_refused_before_training(tmp_path, changes, data, fragment):
    with pytest.raises(ConfigError) as info:
        train_and_save(TrainConfig(**{**TINY, **changes}), tmp_path / "ck", progress=False, data=data)
    assert fragment in str(info.value)
    assert not (tmp_path / "ck" / "model.json").exists()


def test_out_is_checked_before_training(tmp_path, monkeypatch):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    monkeypatch.setattr(train_module, "train", lambda *a, **k: pytest.fail("trained before checking --out"))
    with pytest.raises(CheckpointError, match="is an existing file, not a folder"):
        train_and_save(TrainConfig(**TINY), a_file, progress=False, data=_data())
    with pytest.raises(CheckpointError, match="is a file, not a folder"):
        train_and_save(TrainConfig(**TINY), a_file / "sub" / "ck", progress=False, data=_data())


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path, tiny_model):
    out = tmp_path / "ck"
    with checkpoint_writer(out):
        with pytest.raises(CheckpointError, match="another training is writing"):
            save_checkpoint(tiny_model, out)
    save_checkpoint(tiny_model, out)  # free again once released
    assert sorted(p.name for p in out.iterdir()) == ["model.json", "model.safetensors"]


def test_a_concurrent_reader_never_sees_new_weights_with_an_old_sidecar(tmp_path, tiny_config):
    out = tmp_path / "ck"
    models = []
    for seed in range(2):
        torch.manual_seed(seed)
        models.append(train_module.VAE(tiny_config).eval())
    save_checkpoint(models[0], out)
    stop, errors, loads = threading.Event(), [], [0]

    def read():
        while not stop.is_set():
            try:
                load_checkpoint(out)
                loads[0] += 1
            except CheckpointError as exc:  # a hash mismatch or a missing file would land here
                errors.append(str(exc))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(60):  # bounded trials, alternating two different models
            save_checkpoint(models[i % 2], out)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert errors == [] and loads[0] > 0
    # at rest: the sidecar's weights plus at most the previous generation
    assert len(list(out.glob("*.safetensors"))) <= 2
    loaded, _ = load_checkpoint(out)
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), models[59 % 2].state_dict().values()))


def test_kl_weight_scales_only_the_trained_objective():
    data = _data()
    plain = train(TrainConfig(**{**TINY, "kl_weight": 0.0}), data, progress=False)
    full = train(TrainConfig(**TINY), data, progress=False)
    rec = plain.history[-1]
    assert rec["kl_weight"] == 0.0 and full.history[-1]["kl_weight"] == 1.0
    # the reported ELBO is always the real one: reconstruction - KL, whatever weight trained it
    assert rec["val_elbo"] == pytest.approx(rec["val_reconstruction"] - rec["val_kl"])
    assert rec["val_kl"] == pytest.approx(sum(rec["val_kl_per_dim"]))
    assert rec["val_active_units"] == sum(v > 0.01 for v in rec["val_kl_per_dim"])
    assert plain.history[-1]["val_kl"] > full.history[-1]["val_kl"]


@pytest.mark.parametrize("args, fragment", [
    (["--val-fraction", "1.5"], "val_fraction (--val-fraction)"),
    (["--threads", "0"], "threads (--threads)"),
    # --seed is refused by the parser, alike for every subcommand: tests/cli/test_crash_paths.py
    (["--likelihood", "gaussian", "--beta", "1e9"], "beta (--beta)"),
    (["--likelihood", "gaussian", "--beta", "nan"], "beta (--beta)"),
    (["--lr", "0"], "lr (--lr)"),
    (["--kl-weight", "-2"], "kl_weight (--kl-weight)"),
    (["--batch-size", "5000"], "batch_size (--batch-size) 5000 is larger"),
    (["--epochs", "0"], "epochs (--epochs)"),
])
def test_cli_train_mistakes_are_one_line_errors_naming_the_flag(tmp_path, capsys, args, fragment):
    code = main(["train", "--data", "digits", "--hidden", "8", "--out", str(tmp_path / "ck"), "--quiet", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and err[0].startswith("error: ") and fragment in err[0], err
    assert not (tmp_path / "ck" / "model.json").exists()


def test_cli_refuses_an_existing_file_as_the_output_folder(tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    code = main(["train", "--data", "digits", "--out", str(tmp_path / "taken"), "--quiet"])
    assert code != 0 and "is an existing file, not a folder" in capsys.readouterr().err
