"""EM stepped by hand on the latent map (AppTest): the buttons raise the log-likelihood shown, the ellipses move,
and each session keeps its own stepper."""

import json

import numpy as np

from app.latent_map.em_panel import STATE_KEY, em_codes
from app.latent_map.sections import SECTIONS
from testkit.apptest import new_page, plotly_array
from vae_core.latent.em_stepper import mean_log_likelihood


def mixture_page():
    at = new_page("latent_map", timeout=240)
    at.session_state["map_model"] = "digits-2d"
    at.session_state["map_section"] = SECTIONS["em"]
    at.session_state["map_prior"] = "EM-fitted mixture"
    at.session_state["map_em_n"] = 500
    at.run()
    assert not at.exception, at.exception
    return at


def shown_ll(at) -> float:
    return float(next(m.value for m in at.metric if m.label == "Mean log-likelihood ℓ̄"))


def ellipse_means(at) -> np.ndarray:
    spec = json.loads(next(c.proto.spec for c in at.get("plotly_chart") if "map_em_chart" in c.proto.id))
    return np.array([plotly_array(t["x"]).mean() for t in spec["data"] if t["name"].startswith("component")])


def stepper(at):
    return at.session_state[STATE_KEY][1]


def test_buttons_step_em_and_the_log_likelihood_rises():
    at = mixture_page()
    assert any(r"\text{E-step" in x.value for x in at.latex) and any(r"\text{M-step" in x.value for x in at.latex)
    lls = [shown_ll(at)]
    before = ellipse_means(at)
    assert len(before) == 6
    at.button(key="map_em_e").click().run()
    assert shown_ll(at) == lls[0]  # an E-step only recolours the codes
    for _ in range(3):
        at.button(key="map_em_m").click().run()
        assert not at.exception, at.exception
        lls.append(shown_ll(at))
    assert all(b > a for a, b in zip(lls, lls[1:])), lls
    assert not np.allclose(ellipse_means(at), before)
    s = stepper(at)
    assert s.n_m_steps == 3 and len(s.z) == 500
    # the number shown is the notes' mean log-likelihood of the shown parameters on the stepper's codes
    assert shown_ll(at) == float(f"{mean_log_likelihood(em_codes('digits-2d', 'digits', 500), s.params):.5f}")
    ll_spec = json.loads(next(c.proto.spec for c in at.get("plotly_chart") if "map_em_ll" in c.proto.id))
    assert len(plotly_array(ll_spec["data"][0]["y"])) == 4
    at.button(key="map_em_burst").click().run()
    assert stepper(at).n_m_steps == 13 and shown_ll(at) >= lls[-1]
    at.button(key="map_em_reset").click().run()
    assert stepper(at).n_m_steps == 0 and shown_ll(at) == lls[0]


def test_sessions_keep_their_own_stepper():
    one, two = mixture_page(), mixture_page()
    for _ in range(2):
        one.button(key="map_em_m").click().run()
    two.run()
    assert stepper(one).n_m_steps == 2
    assert stepper(two).n_m_steps == 0
    assert stepper(one) is not stepper(two)
    two.button(key="map_em_m").click().run()
    one.run()
    assert stepper(one).n_m_steps == 2 and stepper(two).n_m_steps == 1


def test_changing_k_starts_a_new_run():
    at = mixture_page()
    at.button(key="map_em_m").click().run()
    at.number_input(key="map_em_k").set_value(3).run()
    assert not at.exception
    assert stepper(at).n_m_steps == 0 and stepper(at).params.k == 3
    assert len(ellipse_means(at)) == 3
