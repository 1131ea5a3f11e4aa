"""The models this feature ships load, have what their pages need, and fit the size budget."""


import pytest

from testkit import REPO
from vae_core import list_models, load_model

PRETRAINED = REPO / "pretrained"


@pytest.mark.parametrize("name, latent, conditional, beta2", [
    ("mnist-cvae-2d", 2, True, None), ("mnist-cvae-8d", 8, True, None),
    ("tradeoff-beta2-0.05", 2, False, 0.05), ("tradeoff-beta2-0.5", 2, False, 0.5),
    ("tradeoff-beta2-2", 2, False, 2.0),
])
def test_shipped_model_loads_with_its_card_and_config(name, latent, conditional, beta2):
    assert name in list_models()
    m = load_model(name)
    assert m.config.latent_dim == latent and m.config.conditional == conditional
    if beta2 is None:
        assert m.config.likelihood == "bernoulli"
    else:
        assert m.config.likelihood == "gaussian" and m.config.beta2 == pytest.approx(beta2, rel=1e-5)
    folder = PRETRAINED / name
    assert (folder / "train_config.json").is_file() and (folder / "README.md").is_file()
    assert m.card["command"].startswith(f"python -m vae_core train --config pretrained/{name}/train_config.json")


def test_trade_off_models_differ_only_in_beta():
    cards = [load_model(n).card["train_config"] for n in ("tradeoff-beta2-0.05", "tradeoff-beta2-0.5",
                                                         "tradeoff-beta2-2")]
    for c in cards:
        c.pop("beta")
    assert cards[0] == cards[1] == cards[2]


def test_pretrained_fits_in_30_mib():
    total = sum(p.stat().st_size for p in PRETRAINED.rglob("*") if p.is_file())
    assert total <= 30 * 2**20
