"""The training page, driven by AppTest: a 1-epoch run on digits ends with a saved, loadable model."""

import json

import pytest

import vae_core
from testkit.apptest import assert_ok, new_page


@pytest.fixture(autouse=True)
def models_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))


def test_a_one_epoch_run_on_digits_saves_a_loadable_model():
    from app.training.session import get_manager

    at = new_page("training", timeout=60).run()
    assert_ok(at)
    latex = " ".join(e.value for e in at.latex)
    assert r"\beta^2" in latex and r"\lambda_t" in latex and r"\mathrm{KL}" in latex
    at.session_state["tr_epochs"] = 1
    at.session_state["tr_hidden"] = "16"
    at.button(key="tr_start").click().run()
    assert_ok(at)
    get_manager().join(timeout=60)
    at.run()
    assert_ok(at)
    saved = [m for m in vae_core.list_models() if m.startswith("user:digits-d2-bern-kl1-")]
    assert len(saved) == 1
    model = vae_core.load_model(saved[0])
    assert model.config.latent_dim == 2 and model.config.hidden == (16,) and len(model.card["history"]) == 1
    assert any("Saved as" in s.value for s in at.success)
    # The live charts (uPlot, in the browser) got this run's epoch: the curves, KL per dimension, the 2-D map.
    charts = [e.proto for e in at.get("bidi_component") if e.proto.component_name == "vae_live_plots"]
    assert len(charts) == 1
    data = json.loads(charts[0].json)
    assert [[c["id"] for c in row] for row in data["rows"]] == [["curves-elbo", "curves-reconstruction",
                                                                  "curves-kl"], ["kl", "map"]]
    elbo = data["rows"][0][0]["series"][1]["y"]
    assert data["revision"] == 1 and elbo == [pytest.approx(model.card["history"][0]["val_elbo"])]
    assert sum(len(g["x"]) for g in data["rows"][1][1]["groups"]) > 0
    # The finished run is replayed from what its model keeps: its one epoch, on z1 and z2 with the prior's circles.
    (player,) = [e.proto for e in at.get("bidi_component") if e.proto.component_name == "vae_replay_player"]
    replay = json.loads(player.json)["replay"]
    assert replay["epochs"] == [1] and replay["epochs_run"] == 1 and replay["circles"] == [1, 2, 3]
    assert replay["curves"]["series"][1]["y"] == [pytest.approx(model.card["history"][0]["val_elbo"])]
    assert "Replay this training" in [h.value for h in at.subheader]


def test_invalid_settings_are_refused_before_anything_starts():
    from app.training.session import get_manager

    at = new_page("training", timeout=60).run()
    at.session_state["tr_hidden"] = "16,x"
    at.button(key="tr_start").click().run()
    assert any("hidden" in e.value for e in at.error)
    at.session_state["tr_hidden"] = "16"
    at.session_state["tr_batch"] = 4000
    at.button(key="tr_start").click().run()
    assert any("batch_size (--batch-size) 4000 is larger" in e.value for e in at.error)
    assert get_manager().runs_of(at.session_state["visitor_browser"]) == []


def test_a_reload_finds_the_visitors_run_through_the_address_and_a_made_up_id_finds_nothing():
    """The browser's cookie is the identity (AppTest sends none); a valid ?visitor= is taken by a browser
    without one, so a link to one's runs works; ?run=N names the visitor's own run."""
    from app.training.session import get_manager

    at = new_page("training", timeout=60).run()
    at.session_state["tr_epochs"] = 1
    at.session_state["tr_hidden"] = "16"
    at.button(key="tr_start").click().run()
    assert_ok(at)
    visitor = at.session_state["visitor_browser"]
    assert at.query_params["run"] == "1"  # the visitor's first run, in the address from the start on
    get_manager().join(timeout=60)

    reloaded = new_page("training", timeout=60)
    reloaded.query_params["visitor"] = visitor
    reloaded.query_params["run"] = "1"
    reloaded.run()
    assert_ok(reloaded)
    assert reloaded.session_state["visitor_browser"] == visitor
    assert any("Saved as" in s.value for s in reloaded.success)

    for forged in ("../../etc", "0" * 31, visitor.upper(), visitor + "0"):
        stranger = new_page("training", timeout=60)
        stranger.query_params["visitor"] = forged
        stranger.query_params["run"] = "1"
        stranger.run()
        assert_ok(stranger)
        assert stranger.session_state["visitor_browser"] != forged and not stranger.success
