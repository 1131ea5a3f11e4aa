"""The checks a lesson step makes, the events the pages record for them, and a visitor's progress in the store."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from app.common.lesson_events import KEEP_PER_KIND, KEEP_TOTAL, clean_values
from app.lessons import catalog
from app.lessons.checks import card_average_kl, evaluate
from app.lessons.lesson_format import Check
from app.store import LessonEvent, SQLiteStore
from testkit import REPO
from vae_core.vae.user_models import user_models_dir


def ev(event: str, **values) -> LessonEvent:
    return LessonEvent(event, values, 0.0)


def test_a_gap_click_is_met_only_below_minus_tau():
    check = Check("map_gap_click", {"tau": 4.0})
    assert not evaluate(check, [], {}).met
    near = evaluate(check, [ev("map_click", log_ratio=-3.9, tau=2.0)], {})
    assert not near.met and "-3.90" in near.says  # covered at the lesson's τ, whatever τ the page had
    done = evaluate(check, [ev("map_click", log_ratio=-3.9, tau=2.0), ev("map_click", log_ratio=-4.5, tau=4.0)], {})
    assert done.met and "-4.50 nats" in done.says


def test_em_is_met_only_by_a_run_that_converged():
    check = Check("em_converged")
    stopped = evaluate(check, [ev("em_run", converged=False, n_iter=3)], {})
    assert not stopped.met and "max_iter" in stopped.says
    assert evaluate(check, [ev("em_run", converged=False, n_iter=3), ev("em_run", converged=True, n_iter=41)], {}).met


def test_the_kl_check_reads_only_the_visitors_own_models_above_the_threshold():
    check = Check("trained_kl_above", {"nats": 20.0})
    assert not evaluate(check, [], {"mine": 19.9}).met
    assert "19.9" in evaluate(check, [], {"mine": 19.9}).says
    done = evaluate(check, [], {"mine": 19.9, "ae": 31.25})
    assert done.met and "ae has 31.2" in done.says


def test_the_cvae_check_is_met_by_an_image_classified_below_the_threshold():
    check = Check("cvae_unsure", {"below": 0.9})
    assert not evaluate(check, [ev("cvae_classified", p_max=0.9, guess=4)], {}).met  # "below": 0.9 is not
    assert evaluate(check, [ev("cvae_classified", p_max=0.9, guess=4), ev("cvae_classified", p_max=0.55, guess=9)],
                    {}).met


def test_event_values_are_validated_and_kept_json_safe():
    assert clean_values("map_click", {"log_ratio": -math.inf, "tau": 2}) == {"log_ratio": -1e6, "tau": 2.0}
    json.dumps(clean_values("map_click", {"log_ratio": -math.inf, "tau": 2}), allow_nan=False)
    with pytest.raises(ValueError, match="not a lesson event"):
        clean_values("anything", {})
    with pytest.raises(ValueError, match="records"):
        clean_values("em_run", {"converged": True})
    with pytest.raises(ValueError, match="NaN"):
        clean_values("cvae_classified", {"p_max": math.nan, "guess": 1})


def test_a_cards_average_kl_is_its_evaluation_else_its_kept_epoch():
    card = json.loads((REPO / "pretrained" / "digits-2d" / "model.json").read_text())
    assert card_average_kl(card) == pytest.approx(card["evaluation"]["kl"])
    trained = {"metrics": {"best_epoch": 2}, "history": [{"epoch": 1, "val_kl": 3.0}, {"epoch": 2, "val_kl": 25.0},
                                                         {"epoch": 3, "val_kl": 26.0}]}
    assert card_average_kl(trained) == 25.0
    assert card_average_kl({"history": [{"epoch": 1, "val_kl": "x"}]}) is None
    assert card_average_kl({}) is None


def test_progress_is_per_visitor_from_the_store_and_own_model_cards(monkeypatch, tmp_path):
    store = SQLiteStore(tmp_path / "db.sqlite3")
    monkeypatch.setattr(catalog, "get_store", lambda: store)
    monkeypatch.setattr("app.common.lesson_events.events_of", lambda owner: store.lesson_events(owner))
    monkeypatch.setattr(catalog, "events_of", lambda owner: store.lesson_events(owner))
    lesson = next(x for x in catalog.read_lessons(REPO / "lessons")[0] if x.name == "01-from-em-to-vae")
    checked = [i for i, s in enumerate(lesson.steps) if s.check]

    alice, bob = "a" * 32, "b" * 32
    store.add_lesson_event(alice, "em_run", {"converged": True, "n_iter": 12}, 1.0, KEEP_PER_KIND, KEEP_TOTAL)
    store.add_lesson_event(alice, "map_click", {"log_ratio": -9.0, "tau": 4.0}, 2.0, KEEP_PER_KIND, KEEP_TOTAL)
    shutil.copytree(REPO / "pretrained" / "digits-2d", user_models_dir() / "mine")  # a real card, KL 2.76
    store.add_model("user:mine", alice, "uploaded")
    alice_states = catalog.progress(lesson, alice)
    assert [alice_states[i].met for i in checked] == [True, True, False, False]
    assert "your highest so far is 2.8 nats" in alice_states[checked[2]].says
    assert catalog.own_model_kls(alice) == {"mine": pytest.approx(2.763, abs=1e-3)}
    assert catalog.own_model_kls(bob) == {}, "another visitor's model is not theirs"
    assert [catalog.progress(lesson, bob)[i].met for i in checked] == [False] * 4, "progress is never shared"
