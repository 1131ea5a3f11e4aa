"""The Lessons page under AppTest: every step with its link, question, what to look for and check; checks met by
what the same visitor did on the pages (recorded through app.common.lesson_events), kept per visitor; a broken
lesson file named in one line; the latent map's ?tau= read, and a hostile one refused with a notice."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs

import numpy as np
import pytest

from app.common.ownership import get_store
from testkit.apptest import assert_ok, new_page
from testkit.one_d import click_em

LESSONS = "app/pages/lessons.py"


def as_visitor(at, visitor: str):
    """The AppTest session as the browser whose cookie holds `visitor` (one student across pages)."""
    at.session_state["visitor_browser"] = visitor
    at.session_state["visitor_cookie_ok"] = True
    return at


def lessons_page(visitor: str):
    at = as_visitor(new_page("streamlit_app", timeout=120), visitor).run()
    return at.switch_page(LESSONS).run()


def check_lines(at) -> tuple[list[str], list[str]]:
    return [s.value for s in at.success], [i.value for i in at.info if i.value.startswith("Check:")]


def test_the_page_shows_every_step_with_its_link_question_and_check():
    at = lessons_page(uuid.uuid4().hex)
    assert_ok(at)
    assert at.header[0].value == "From EM to the VAE"
    assert len(at.subheader) == 8 and at.subheader[4].value.startswith("Step 5. The aggregate posterior")
    links = at.get("page_link")
    assert len(links) == 8
    assert [link.proto.page for link in links][:5] == ["one_d", "one_d", "latent_map", "inside", "latent_map"]
    assert parse_qs(links[4].proto.query_string) == {"tau": ["3"]} and links[0].proto.query_string == ""
    assert sum(m.value.startswith("**Question.**") for m in at.markdown) == 8
    assert sum(m.value.startswith("**Look for.**") for m in at.markdown) == 8
    met, waiting = check_lines(at)
    assert met == [] and len(waiting) == 4 and all(w.endswith("not yet") for w in waiting)
    assert at.get("progress")[0].proto.text == "0 of 4 checks met"


def test_running_em_to_convergence_meets_step_one_for_that_visitor_only():
    student, other = uuid.uuid4().hex, uuid.uuid4().hex
    one_d = as_visitor(new_page("one_d", timeout=120), student)
    one_d.session_state["n"], one_d.session_state["vae_steps"], one_d.session_state["hidden"] = 600, 100, 16
    one_d.run()
    assert not get_store().lesson_events(student), "nothing is recorded before the button"
    one_d = click_em(one_d, "C")  # Run to convergence, through the EM buttons' click log
    assert_ok(one_d)
    (event,) = get_store().lesson_events(student)
    assert event.event == "em_run" and event.values["converged"] is True and event.values["n_iter"] > 1

    met, _ = check_lines(lessons_page(student))
    assert len(met) == 1 and met[0].startswith("Check met: run EM to convergence on the 1-D page: done, converged")
    assert check_lines(lessons_page(other))[0] == [], "progress is never another visitor's"


def test_a_click_in_a_gap_at_the_links_tau_meets_step_five():
    from vae_core import load_model
    from vae_core.data.datasets import load_dataset
    from vae_core.latent.aggregate import encode_dataset, log_aggregate_density, log_prior

    mu, logvar = encode_dataset(load_model("mnist-2d"), load_dataset("mnist-5k").x)
    gap = np.array([[1.25, 2.5]])
    ratio = float(log_aggregate_density(gap, mu, logvar)[0] - log_prior(gap)[0])
    assert ratio < -3, "the point must lie in a gap at the lesson's τ = 3"

    student = uuid.uuid4().hex
    at = as_visitor(new_page("latent_map", timeout=240), student)
    at.query_params["tau"] = "3"
    at.session_state["map_clicked"] = (1.25, 2.5)  # what the click component's callback stores
    at.session_state["map_key"] = ("mnist-2d", "mnist-5k")  # the click was on this model's map
    at.run()
    assert_ok(at)
    assert at.sidebar.select_slider(key="map_tau").value == 3.0, "the page reads the link's τ"
    events = [e for e in get_store().lesson_events(student) if e.event == "map_click"]
    assert len(events) == 1 and events[0].values["log_ratio"] == pytest.approx(ratio, abs=0.05)
    at.run()  # a rerun redraws the same decode: recorded once
    assert len([e for e in get_store().lesson_events(student) if e.event == "map_click"]) == 1

    met, _ = check_lines(lessons_page(student))
    assert len(met) == 1 and "log q(z) − log p(z) < −3: done" in met[0]


@pytest.mark.parametrize("hostile", ["1e308", "nan", "-3", "abc", "4" * 10_000])
def test_a_hostile_tau_in_the_address_falls_back_to_the_default_with_one_line(hostile):
    at = new_page("latent_map", timeout=240)
    at.query_params["tau"] = hostile
    at.run()
    assert not at.exception and not at.error
    assert at.sidebar.select_slider(key="map_tau").value == 2.0
    (notice,) = [i.value for i in at.info if i.value.startswith("The link's tau=")]
    why = "is longer than 200 characters" if len(hostile) > 200 else "is not a number from 0 to 40"
    assert notice.endswith(f"{why}: using 2, the default.") and len(notice) < 120


def test_classifying_on_the_cvae_page_records_how_sure_the_classifier_was():
    student = uuid.uuid4().hex
    at = as_visitor(new_page("cvae", timeout=240), student).run()
    assert_ok(at)
    verdict = next(m.value for m in at.markdown if m.value.startswith("**Guess:"))
    (event,) = [e for e in get_store().lesson_events(student) if e.event == "cvae_classified"]
    assert f"p(y|x) = {event.values['p_max']:.1%}" in verdict
    _, waiting = check_lines(lessons_page(student))
    cvae_line = next(w for w in waiting if "CVAE" in w)
    assert f"your least certain so far is {event.values['p_max']:.1%}" in cvae_line


def test_a_broken_lesson_file_is_named_in_one_line_and_the_good_ones_still_show(tmp_path, monkeypatch):
    from testkit import REPO

    (tmp_path / "01-good.toml").write_text((REPO / "lessons" / "01-from-em-to-vae.toml").read_text())
    (tmp_path / "02-typo.toml").write_text('title = "x"\n[[step]]\ntitle = "y"\npage = "latentmap"\n')
    monkeypatch.setenv("VAE_EXPLORER_LESSONS", str(tmp_path))
    at = lessons_page(uuid.uuid4().hex)
    assert not at.exception
    (warning,) = [w.value for w in at.warning]
    assert warning == ("A lesson file could not be read: 02-typo.toml: step 1: field 'page': 'latentmap' is not a "
                       "page; one of home, class_map, latent_map, traversal, upload, one_d, inside, training, cvae, "
                       "compare, tradeoff")
    assert str(tmp_path) not in warning
    assert len(at.subheader) == 8


def test_the_lessons_are_validated_when_the_server_starts_and_a_broken_one_is_logged(tmp_path, monkeypatch, caplog):
    from app.lessons.catalog import validate_at_start

    (tmp_path / "typo.toml").write_text('title = "x"\n[[step]]\ntitle = "y"\npage = "one_d"\nquestion = 3\n')
    monkeypatch.setenv("VAE_EXPLORER_LESSONS", str(tmp_path))
    validate_at_start.clear()
    with caplog.at_level("WARNING", logger="app.lessons.catalog"):
        at = new_page("streamlit_app", timeout=120).run()  # the router's first run: Home, not Lessons
    assert not at.exception
    assert [r.getMessage() for r in caplog.records] == [
        "lesson file not used: typo.toml: step 1: field 'text': missing; must be non-empty text"]
    validate_at_start.clear()
