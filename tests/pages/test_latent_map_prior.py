"""The measured figures of the EM-fitted prior on the latent map: read from the bench's stored JSON, shown with their
standard errors, the split and the date, and never for a model that has none."""

import pytest
from streamlit.testing.v1 import AppTest

from app.latent_map.prior_figures import FILE_NAME, MAP_GAPS, figures_table, load_figures
from app.latent_map.sections import SECTIONS
from testkit.apptest import new_page
from vae_core.vae.registry import PRETRAINED_DIR

MEASURED = [name for name in ("mnist-2d", "mnist-16d") if (PRETRAINED_DIR / name / FILE_NAME).is_file()]


def test_shipped_2d_and_16d_models_have_measured_figures():
    assert MEASURED == ["mnist-2d", "mnist-16d"]
    for name in MEASURED:
        result = load_figures(name)
        assert result["model"] == name and result["date"] and "test" in result["split"]
        assert set(result["priors"]) == {"N(0, I)", "ours", "baseline"}
        assert ("gap_fraction" in result["priors"]["ours"]) == (result["latent_dim"] == 2)


def test_no_figures_for_a_user_model_or_a_model_without_a_bench_run():
    assert load_figures("user:anything") is None
    assert load_figures("../mnist-2d") is None
    assert load_figures("mnist-cvae-8d") is None


@pytest.mark.parametrize("name", MEASURED)
def test_table_states_each_figure_with_its_standard_error(name):
    result = load_figures(name)
    table = figures_table(result)
    assert len(table.columns) == 3
    ours = next(label for label in table.columns if label.startswith("EM-fitted"))
    p = result["priors"]["ours"]
    assert table.loc["ELBO gain over N(0, I)", ours] == f"{p['elbo_gain']['mean']:.3f} ± {p['elbo_gain']['se']:.3f}"
    assert table.loc["classifier confidence", ours] == f"{p['confidence']['mean']:.3f} ± {p['confidence']['se']:.3f}"
    assert f"K = {result['ours']['k']}" in ours
    if result["latent_dim"] == 2:
        g = p["gap_fraction"]
        assert table.loc["prior samples in gaps (τ = 2)", ours] == f"{100 * g['mean']:.2f}% ± {100 * g['se']:.2f}%"
        # the second definition, against N(0, I): the same for N(0, I)'s own samples, by construction
        s = p["gap_fraction_vs_standard"]
        assert table.loc[MAP_GAPS, ours] == f"{100 * s['mean']:.2f}% ± {100 * s['se']:.2f}%"
        standard = result["priors"]["N(0, I)"]
        assert standard["gap_fraction"] == standard["gap_fraction_vs_standard"]
    else:
        assert "prior samples in gaps (τ = 2)" not in table.index and MAP_GAPS not in table.index


def test_page_shows_the_stored_figures_the_date_and_the_split():
    at = new_page("latent_map", timeout=240)
    at.session_state["map_model"] = "mnist-2d"
    at.session_state["map_section"] = SECTIONS["em"]  # the tab of the prior fitted by EM
    at.run()
    assert not at.exception, at.exception
    frames = [d for d in at.dataframe if "ELBO gain over N(0, I)" in d.value.index]
    assert len(frames) == 1
    result = load_figures("mnist-2d")
    shown = frames[0].value
    assert list(shown.columns) == list(figures_table(result).columns)
    text = " ".join(c.value for c in at.caption)
    assert "MNIST test set" in text and "standard error" in text
    assert any(result["date"] in m.value for m in at.markdown)


def panel_script(name):
    from app.latent_map.prior_figures import measured_panel

    measured_panel(name)


@pytest.mark.parametrize("name, spiky_note", [("mnist-16d", True), ("mnist-2d", False)])
def test_the_spiky_q_note_is_shown_beyond_two_dimensions(name, spiky_note):
    at = AppTest.from_function(panel_script, args=(name,)).run()
    assert not at.exception, at.exception
    notes = [i.value for i in at.info]
    assert any("I(x; z) ≤ log N = 8.52 nats" in n for n in notes) == spiky_note
    assert any(r"I(x; z)" in x.value for x in at.latex)


def test_a_model_without_figures_says_so_without_a_command_line():
    at = AppTest.from_function(panel_script, args=("mnist-cvae-8d",)).run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert not at.dataframe and any("No measured figures" in c and "mnist-2d" in c for c in captions)
    assert not any("python -m" in c or "`" in c for c in captions)  # nothing for a student to run
