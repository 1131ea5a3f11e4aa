"""The true-posterior section on the latent map (AppTest), and its figure: contours and q's ellipse."""


import numpy as np
import torch

import vae_core
from app.common.posterior_view import posterior_figure
from app.latent_map.sections import SECTIONS
from testkit.apptest import chart_specs, new_page
from vae_core.vae.pixels import model_pixels


def test_latent_map_shows_exact_posterior_of_a_picked_image():
    at = new_page("latent_map", timeout=240)
    at.session_state["map_model"] = "digits-2d"
    at.session_state["map_section"] = SECTIONS["posterior"]
    at.run()
    assert not at.exception
    at.number_input(key="map_post_index").set_value(7).run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    model, data = vae_core.load_model("digits-2d"), vae_core.load_dataset("digits")
    # digits-2d was trained on binarised pixels: the figures are of the image's seeded binarisation
    post = vae_core.exact_posterior(model, torch.from_numpy(model_pixels(model, data.x[7:8])))
    assert shown["log p(x), exact"] == f"{post.log_px:.2f} nats"
    assert shown["gap KL(q(z|x) ‖ p(z|x)), exact"] == f"{post.gap:.2f} nats"
    assert any("IW estimate" in label for label in shown)
    assert any("ESS" in c.value or "Effective sample size" in c.value for c in at.caption)
    specs = chart_specs(at)
    names = {t.get("name") for s in specs for t in s["data"]}
    assert {"p(z|x), true posterior", "q(z|x), 1σ"} <= names


def test_figure_contours_hold_the_stated_mass():
    model, data = vae_core.load_model("digits-2d"), vae_core.load_dataset("digits")
    post = vae_core.exact_posterior(model, torch.from_numpy(data.x[:1]))
    fig = posterior_figure(post)
    contour = next(t for t in fig.data if t.type == "contour")
    levels = post.mass_levels((0.99, 0.9, 0.5))
    assert contour.contours.start == levels[0] and contour.contours.end == levels[-1]
    dens = np.exp(post.log_density)
    inside = dens[dens >= levels[1]].sum() * post.cell
    assert abs(inside - 0.9) < 0.02


def test_prior_switch_draws_components_and_compares_gaps():
    at = new_page("latent_map", timeout=240)
    at.session_state["map_model"] = "digits-2d"
    at.session_state["map_section"] = SECTIONS["em"]
    at.run()
    assert not at.exception
    assert not any("component" in (t.get("name") or "") for s in chart_specs(at) for t in s["data"])
    at.radio(key="map_prior").set_value("EM-fitted mixture").run()
    assert not at.exception
    spec = next(s for s in chart_specs(at) if any((t.get("name") or "").startswith("component") for t in s["data"]))
    from app.latent_map.prior import fitted_prior
    g = fitted_prior("digits-2d", "digits")
    assert sum((t.get("name") or "").startswith("component") for t in spec["data"]) == g.k
    shown = {m.label: m.value for m in at.metric}
    gap_p, gap_g = shown["N(0, I) samples in gaps (τ = 2)"], shown["mixture samples in gaps (τ = 2)"]
    assert float(gap_g.rstrip("%")) < float(gap_p.rstrip("%"))
