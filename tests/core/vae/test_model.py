import pytest
import torch

from vae_core.errors import ConfigError
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE


def test_encode_accepts_flat_and_image_shaped_input(tiny_model, tiny_batch):
    mu, logvar = tiny_model.encode(tiny_batch)
    mu2, logvar2 = tiny_model.encode(tiny_batch.reshape(5, 1, 4, 4))
    assert mu.shape == logvar.shape == (5, 2)
    assert torch.equal(mu, mu2) and torch.equal(logvar, logvar2)


def test_decode_returns_pixels_in_unit_interval(tiny_model):
    x = tiny_model.decode(torch.randn(7, 2) * 5)
    assert x.shape == (7, 16)
    assert x.min() >= 0 and x.max() <= 1


def test_wrong_image_size_is_a_clear_error(tiny_model):
    with pytest.raises(ConfigError, match="4x4 images"):
        tiny_model.encode(torch.rand(2, 28 * 28))


def test_wrong_latent_size_is_a_clear_error(tiny_model):
    with pytest.raises(ConfigError, match="2-D latent"):
        tiny_model.decode(torch.zeros(1, 3))


@pytest.mark.parametrize("bad, message", [
    ({"latent_dim": 0}, "latent_dim"),
    ({"latent_dim": 65}, "latent_dim"),
    ({"likelihood": "poisson"}, "likelihood"),
    ({"likelihood": "gaussian"}, "beta"),
    ({"likelihood": "gaussian", "beta": -1.0}, "beta"),
    ({"beta": 0.5}, "leave it unset"),
    ({"hidden": ()}, "hidden"),
    ({"image_shape": (28,)}, "image_shape"),
])
def test_config_validation(bad, message):
    with pytest.raises(ConfigError, match=message):
        VAEConfig(**bad)


def test_config_dict_round_trip_and_mapping_access():
    cfg = VAEConfig(latent_dim=16, likelihood="gaussian", beta=0.1, conditional=True)
    assert VAEConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg["latent_dim"] == 16 and cfg["beta"] == 0.1 and cfg["labels"][0] == "0"
    assert cfg.beta2 == pytest.approx(0.01)
    assert set(dict(cfg)) >= {"image_shape", "latent_dim", "likelihood", "beta", "labels"}
    with pytest.raises(ConfigError, match="unknown model config keys: colour"):
        VAEConfig.from_dict({**cfg.to_dict(), "colour": 1})


def test_latent_sizes_from_1_to_64_build():
    for d in (1, 64):
        model = VAE(VAEConfig(image_shape=(4, 4), latent_dim=d, hidden=(8,)))
        assert model.decode(torch.zeros(1, d)).shape == (1, 16)


def test_conditional_model_uses_the_label(tiny_config):
    torch.manual_seed(0)
    model = VAE(VAEConfig(**{**tiny_config.to_dict(), "conditional": True}))
    z = torch.zeros(1, 2)
    assert not torch.allclose(model.decode(z, 0), model.decode(z, 2))
    mu0, _ = model.encode(torch.rand(1, 16), 0)
    assert mu0.shape == (1, 2)
    with pytest.raises(ConfigError, match="conditional model"):
        model.decode(z)
    with pytest.raises(ConfigError, match="labels must be"):
        model.decode(z, 3)
