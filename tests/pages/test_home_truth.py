"""Issue 13 items 8 and 16 on the home page: figures named by their split, and laid out so nothing is cut off."""


from streamlit.testing.v1 import AppTest

from testkit import REPO
from vae_core.vae.model_card import card_figures, evaluation_split


def test_a_held_out_early_stopping_split_is_validation_not_test():
    ev = {"n": 180, "k": 1000, "nll": 24.0, "elbo": -24.6, "reconstruction": -21.8, "kl": 2.8,
          "data": "the 180 held-out digits images (used only for early stopping)"}
    assert evaluation_split(ev) == "Validation"
    assert evaluation_split({**ev, "data": "the 10,000 MNIST test images"}) == "Test"
    assert evaluation_split({**ev, "split": "test"}) == "Test"
    labels = [f.label for f in card_figures({"config": {"latent_dim": 2}, "evaluation": ev})]
    assert "Validation NLL" in labels and "Validation ELBO" in labels and "Test NLL" not in labels


def test_digits_2d_home_says_validation_and_puts_at_most_three_metrics_in_a_row():
    at = AppTest.from_file(str(REPO / "app/pages/home.py"), default_timeout=120)
    at.session_state["model"] = "digits-2d"
    at.run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "Validation NLL" in labels and "Test NLL" not in labels
    holding = [c for c in at.columns if any(getattr(e, "type", "") == "metric" for e in c.children.values())]
    assert len(holding) == len(labels) >= 5
    assert all(c.weight >= 1 / 3 - 1e-9 for c in holding)  # one third of the width each, at least
