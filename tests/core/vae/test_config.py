"""A checkpoint's config cannot demand unbounded memory; bad sidecars get one short line."""

import json
import math
import time

import pytest

from vae_core.errors import CheckpointError, ConfigError
from vae_core.vae import checkpoint
from vae_core.vae.checkpoint import load_checkpoint, save_checkpoint
from vae_core.vae.config import MAX_HIDDEN_WIDTH, MAX_LAYERS, MAX_PARAMETERS, VAEConfig
from vae_core.vae.model import VAE

SMALL = {"image_shape": [8, 8], "latent_dim": 2, "hidden": [16]}


@pytest.mark.parametrize("change,match", [
    ({"hidden": [600000]}, f"from 1 to {MAX_HIDDEN_WIDTH}"),
    ({"hidden": [10**9]}, f"from 1 to {MAX_HIDDEN_WIDTH}"),
    ({"hidden": [1] * 100_000}, f"1 to {MAX_LAYERS} integers"),
    ({"hidden": ["abc"]}, "integers"),
    ({"hidden": [256.9]}, "got 256.9"),
    ({"hidden": 16}, "must be a list"),
    ({"image_shape": [math.nan, 8]}, "image_shape"),
    ({"image_shape": [28, 28, 1]}, "image_shape"),
    ({"latent_dim": True}, "latent_dim"),
    ({"hidden": [4096] * 8, "image_shape": [256, 256]}, f"the limit is {MAX_PARAMETERS:,}"),
    ({"likelihood": "gaussian", "beta": "0.5"}, "beta > 0"),
    ({"conditional": "yes"}, "conditional"),
    ({"labels": list(range(5000))}, "at most 1000"),
])
def test_a_bad_config_is_refused_in_one_short_line(change, match):
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=match) as info:
        VAEConfig.from_dict({**SMALL, **change})
    assert time.perf_counter() - start < 1.0  # refused from the numbers, nothing allocated
    assert len(str(info.value)) < 200 and "\n" not in str(info.value)


def test_the_parameter_count_matches_the_network():
    for cfg in (VAEConfig(), VAEConfig(**SMALL, conditional=True, labels=("a", "b", "c"))):
        assert cfg.num_parameters == sum(p.numel() for p in VAE(cfg).parameters())


@pytest.fixture
def saved(tmp_path):
    save_checkpoint(VAE(VAEConfig(**SMALL)), tmp_path)
    return tmp_path


def edit_sidecar(folder, fn):
    path = folder / "model.json"
    sidecar = json.loads(path.read_text())
    fn(sidecar)
    path.write_text(json.dumps(sidecar))


def test_weights_that_do_not_fit_the_config_are_refused_before_building_a_network(saved, monkeypatch):
    edit_sidecar(saved, lambda s: s["config"].update(hidden=[3000, 600]))

    def no_network(*args, **kwargs):
        raise AssertionError("a network was built for a checkpoint whose weights do not fit")

    monkeypatch.setattr(checkpoint, "VAE", no_network)
    with pytest.raises(CheckpointError, match="does not fit its config") as info:
        load_checkpoint(saved)
    assert len(str(info.value)) < 400


@pytest.mark.parametrize("text,match", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply|not valid JSON"),
    ('{"format": ' + '"x' * 10 + '"', "not valid JSON"),
])
def test_a_malformed_sidecar_is_one_line(saved, text, match):
    (saved / "model.json").write_text(text)
    with pytest.raises(CheckpointError, match=match) as info:
        load_checkpoint(saved)
    assert len(str(info.value)) < 300


def test_an_oversized_sidecar_is_refused_by_its_size(saved):
    (saved / "model.json").write_text(" " * 5_000_000)
    with pytest.raises(CheckpointError, match="the limit is"):
        load_checkpoint(saved)


def test_a_bad_sidecar_config_is_a_checkpoint_error(saved):
    edit_sidecar(saved, lambda s: s["config"].update(hidden=[1] * 100_000))
    with pytest.raises(CheckpointError, match="hidden") as info:
        load_checkpoint(saved)
    assert len(str(info.value)) < 300
