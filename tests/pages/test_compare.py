"""The Compare page, driven by Streamlit's AppTest: models of different latent sizes, a conditional one, a
Gaussian beside Bernoulli ones, and the links and picks it must refuse."""

import pytest

from testkit.apptest import assert_ok, chart_specs, image_captions, new_page
from vae_core import load_model


def _tables(at) -> list:
    return [t.value for t in at.table]


@pytest.fixture(scope="module")
def default_pair():
    return new_page("compare", timeout=300).run()


def test_the_default_pair_shows_two_maps_the_same_images_and_three_tables(default_pair):
    at = default_pair
    assert_ok(at)
    assert [s.value for s in at.subheader][:2] == ["mnist-2d", "mnist-16d"]
    metas = [s["layout"].get("meta") for s in chart_specs(at)]
    assert metas == ["compare-mnist-2d", "compare-mnist-16d"]
    captions = image_captions(at)
    assert captions.count("top: the same 8 images in every column; bottom: this model's μ_D(μ(x))") == 2
    assert sum("no other model here has" in c for c in captions) == 2
    measured, card, settings = _tables(at)
    assert list(measured.columns) == ["mnist-2d", "mnist-16d"]
    assert "training-set figures" in " ".join(m.value for m in at.markdown)
    # Every measured figure carries its SE; the second model is set against the first.
    elbo = measured.loc["ELBO (nats)"]
    assert " ± " in elbo.iloc[0] and "vs first" in elbo.iloc[1]
    assert settings.loc["Latent size"].tolist() == ["2-D", "16-D"]


def test_the_card_rows_say_what_each_card_says(default_pair):
    card = _tables(default_pair)[1]
    for name in ("mnist-2d", "mnist-16d"):
        ev = load_model(name).card["evaluation"]
        nll = card.loc[[i for i in card.index if i.startswith("Held-out NLL, importance-weighted")][0], name]
        assert nll.startswith(f"{ev['nll']:.2f} ± {ev['nll_se']:.3f} (test, K=1000, NLL)")
        elbo = card.loc[[i for i in card.index if i.startswith("Held-out ELBO")][0], name]
        assert elbo.startswith(f"{ev['elbo']:.2f}")


def test_three_models_with_a_conditional_and_a_gaussian_one_say_what_compares():
    at = new_page("compare", timeout=300, compare_models=["mnist-2d", "mnist-cvae-8d", "tradeoff-beta2-0.5"]).run()
    assert_ok(at)
    assert len(chart_specs(at)) == 3
    # mnist-2d and the β² model share a 2-D latent, so they decode the same z; the 8-D CVAE does not.
    same = [c for c in image_captions(at) if c.startswith("prior draws")]
    assert same == ["prior draws μ_D(z), z ~ N(0, I): the same z as every other 2-D model here",
                    "prior draws μ_D(z), z ~ N(0, I) (seed 0; no other model here has 8 latent dimensions, so no other "
                    "column decodes these z)",
                    "prior draws μ_D(z), z ~ N(0, I): the same z as every other 2-D model here"]
    measured, card, _ = _tables(at)
    # A Gaussian decoder's ELBO is a log-density: never set against a Bernoulli one's.
    assert "not comparable" in measured.loc["ELBO (nats)", "tradeoff-beta2-0.5"]
    # A CVAE's ELBO bounds log p(x|y): not set against mnist-2d's bound on log p(x) either.
    assert "is of log p(x|y)" in measured.loc["ELBO (nats)", "mnist-cvae-8d"]
    assert "vs first" in measured.loc["Average KL(q(z|x) ‖ p(z)) (nats)", "mnist-cvae-8d"]
    assert "vs first" in measured.loc["Squared error ‖x − μ_D(z)‖²", "tradeoff-beta2-0.5"]
    # The CVAE's card NLL is -log p(x|y) at the true label: another quantity than mnist-2d's -log p(x).
    nll_row = [i for i in card.index if i.startswith("Held-out NLL, importance-weighted")][0]
    assert "not comparable" in card.loc[nll_row, "mnist-cvae-8d"]
    elbo_row = [i for i in card.index if i.startswith("Held-out ELBO")][0]
    assert card.loc[elbo_row, "tradeoff-beta2-0.5"] == "—" and "no held-out evaluation in its card" in elbo_row
    assert "conditional on the label" in " ".join(c.value for c in at.caption)


def test_models_of_different_image_sizes_get_one_line():
    at = new_page("compare", timeout=300, compare_models=["mnist-2d", "digits-2d"]).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "these models take images of different sizes (28×28 and 8×8): pick models of one size"]


def test_a_picked_model_that_is_gone_is_dropped_not_a_traceback():
    at = new_page("compare", timeout=60, compare_models=["mnist-2d", "user:deleted-since"]).run()
    assert_ok(at)
    assert at.multiselect[0].value == ["mnist-2d"]
    assert [i.value for i in at.info] == ["Pick at least two models to compare."]


def test_one_model_asks_for_a_second():
    at = new_page("compare", timeout=60, compare_models=["mnist-2d"]).run()
    assert_ok(at)
    assert [i.value for i in at.info] == ["Pick at least two models to compare."]
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("raw", ["mnist-2d,mnist-2d", "mnist-2d", "../../etc/passwd,mnist-2d",
                                 "mnist-2d,mnist-16d,digits-2d,tradeoff-beta2-2", "x" * 300])
def test_a_bad_models_link_falls_back_to_the_default_pair_with_a_notice(raw):
    at = new_page("compare", timeout=300)
    at.query_params["models"] = raw
    at.run()
    assert_ok(at)
    assert at.multiselect[0].value == ["mnist-2d", "mnist-16d"]
    notices = [i.value for i in at.info]
    assert len(notices) == 1 and notices[0].startswith("The link's models=") and "etc/passwd" not in notices[0]


def test_a_good_link_opens_its_models_and_the_address_follows_the_pick():
    at = new_page("compare", timeout=300)
    at.query_params["models"] = "tradeoff-beta2-0.5,tradeoff-beta2-2"
    at.run()
    assert_ok(at)
    assert at.multiselect[0].value == ["tradeoff-beta2-0.5", "tradeoff-beta2-2"]
    at.multiselect[0].unselect("tradeoff-beta2-2").select("tradeoff-beta2-0.05").run()
    assert_ok(at)
    assert at.query_params["models"] == "tradeoff-beta2-0.5,tradeoff-beta2-0.05"


def test_a_model_trained_here_is_replayed_and_a_shipped_one_says_it_has_no_replay(tmp_path, monkeypatch):
    import json

    from app.training.job import JobPlan, train_job
    from vae_core.data.datasets import load_dataset
    from vae_core.vae.train import TrainConfig
    from vae_core.vae.train_control import TrainControl
    from vae_core.vae.user_models import user_models_dir

    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    cfg = TrainConfig(data="mnist-5k", latent_dim=3, hidden=(8,), epochs=2, seed=0, patience=100)
    folder = user_models_dir() / "tiny-run"
    train_job(cfg, load_dataset("mnist-5k"), JobPlan("test", str(folder), str(tmp_path / "state")), TrainControl(),
              lambda *m: None)
    at = new_page("compare", timeout=300, compare_models=["mnist-2d", "user:tiny-run"]).run()
    assert_ok(at)
    assert any("No replay of this model's training: a shipped model" in c.value for c in at.caption)
    (player,) = [e.proto for e in at.get("bidi_component") if e.proto.component_name == "vae_replay_player"]
    sent = json.loads(player.json)
    assert sent["replay"]["epochs"] == [1, 2] and sent["replay"]["axis_titles"][0].startswith("PC1 of the final")
    assert sent["replay"]["circles"] == []  # the prior's circles do not apply to a projection
    assert len(sent["replay"]["curves"]["series"][1]["y"]) == 2
    at.run()  # a rerun sends the replay's id only: the browser keeps what it was sent
    (player,) = [e.proto for e in at.get("bidi_component") if e.proto.component_name == "vae_replay_player"]
    assert json.loads(player.json)["replay"] is None
