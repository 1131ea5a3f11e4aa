"""The class map page under AppTest: points in the store are drawn as stars in their label's colour, counted and
filtered (by label, in a gap); a clicked point shows its drawing, reconstruction and kNN guess; a teacher can
delete a point and clear the map, a student cannot; the limits refuse with one line."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from app.class_map.board import DATA, MODEL, add_point, board_points, code_of, log_ratios
from app.common.class_settings import ClassSettings
from app.common.ownership import get_store
from app.common.palette import class_colour
from testkit.apptest import assert_ok, chart_spec, new_page
from vae_core import load_dataset

BOARD = "server"


def opened(visitor: str | None = None, **state):
    at = new_page("class_map")
    at.session_state["visitor_browser"] = visitor or uuid.uuid4().hex
    at.session_state["visitor_cookie_ok"] = True
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


@pytest.fixture
def digits():
    """Three test digits (a 7, a 1 and a 0 of mnist-5k) added by two students, on an empty board."""
    get_store().clear_class_points(BOARD)
    board_points.clear()
    data = load_dataset(DATA)
    picks = [int(np.flatnonzero(data.y == c)[0]) for c in (7, 1, 0)]
    owners = ["a" * 32, "a" * 32, "b" * 32]
    ids = [add_point(BOARD, o, int(data.y[i]), data.images([i])[0], ClassSettings())
           for o, i in zip(owners, picks)]
    board_points.clear()
    yield ids
    get_store().clear_class_points(BOARD)
    board_points.clear()


def stars(at) -> dict[str, dict]:
    spec = chart_spec(at, "vae-class-map")
    return {t["name"]: t for t in spec["data"] if t.get("name", "").startswith("class ")}


def test_each_point_is_a_star_at_its_code_in_its_labels_colour(digits):
    at = opened()
    assert_ok(at)
    found = stars(at)
    assert sorted(found) == ["class 0", "class 1", "class 7"]
    assert found["class 7"]["marker"]["color"] == class_colour(7) and found["class 7"]["marker"]["symbol"] == "star"
    points = {p.id: p for p in get_store().class_points(BOARD)}
    seven = points[found["class 7"]["customdata"][0]]
    u8 = np.frombuffer(seven.pixels, np.uint8).reshape(28, 28)
    assert (seven.x, seven.y) == pytest.approx(code_of(u8))  # the encoder's mean of the stored pixels
    assert found["class 7"]["x"] == [seven.x]
    assert any(m.value.startswith("**3 points** on the class map") for m in at.markdown)


def test_filters_by_label_and_by_gap(digits):
    at = opened()
    at.pills(key="class_map_show").set_value([7]).run()
    assert sorted(stars(at)) == ["class 7"]
    at.pills(key="class_map_show").set_value(list(range(10))).run()
    at.toggle(key="class_map_gaps").set_value(True).run()
    in_gap = {p.label for p, r in zip(get_store().class_points(BOARD), log_ratios(get_store().class_points(BOARD)))
              if r < -2.0}
    assert {int(n.split()[1]) for n in stars(at)} == in_gap


def test_a_selected_point_shows_its_drawing_reconstruction_and_guess(digits):
    at = opened(class_map_selected=digits[0])
    assert_ok(at)
    text = " ".join(m.value for m in at.markdown)
    assert "**kNN guess: 7**" in text and "the student's label" in text
    captions = [i.caption for im in at.get("image") for i in im.proto.imgs]
    assert "the drawing, labelled 7" in captions and "its reconstruction μ_D(μ(x))" in captions


def test_only_a_teacher_may_delete_a_point_or_clear_the_map(digits):
    student = opened(class_map_selected=digits[0])
    assert "class_map_clear" not in [b.key for b in student.button]
    teacher = opened(class_map_selected=digits[0], visitor_admin=True)
    teacher.button(key="class_map_delete").click().run()
    assert [p.id for p in get_store().class_points(BOARD)] == digits[1:]
    teacher.checkbox(key="class_map_sure").check().run()
    teacher.button(key="class_map_clear").click().run()
    assert_ok(teacher)
    assert get_store().class_points(BOARD) == [] and "The class map is empty." in [s.value for s in teacher.success]


def test_a_visitor_at_the_limit_is_refused_in_one_line(digits):
    from app.store import ClassMapFull

    settings = ClassSettings(class_map_per_visitor=2)
    with pytest.raises(ClassMapFull, match="you have added 2 points, the most one visitor may add"):
        add_point(BOARD, "a" * 32, 3, np.zeros((28, 28)), settings)
    with pytest.raises(ValueError, match="28x28"):
        add_point(BOARD, "c" * 32, 3, np.zeros((8, 8)), settings)


def test_a_class_code_gets_its_own_board_and_the_code_is_not_stored():
    from app.class_map.board import board_of

    code = "maths-2026"
    board = board_of(ClassSettings(class_code=code))
    assert board.startswith("class-") and code not in board and board != board_of(ClassSettings())
    assert board_of(ClassSettings()) == "server" and MODEL == "mnist-2d"


def test_a_point_is_a_link_and_a_link_to_a_missing_point_falls_back_with_a_notice(digits):
    at = new_page("class_map")
    at.session_state["visitor_browser"] = uuid.uuid4().hex
    at.session_state["visitor_cookie_ok"] = True
    at.query_params["point"] = str(digits[1])
    at.run()
    assert_ok(at)
    assert at.session_state["class_map_selected"] == digits[1]
    assert "the drawing, labelled 1" in [i.caption for im in at.get("image") for i in im.proto.imgs]
    assert str(at.query_params["point"]).strip("[]'") == str(digits[1])  # the address keeps the selection
    for raw in ("999999999", "-3", "1e9", "x" * 300):
        at = new_page("class_map")
        at.session_state["visitor_browser"] = uuid.uuid4().hex
        at.session_state["visitor_cookie_ok"] = True
        at.query_params["point"] = raw
        at.run()
        assert_ok(at)
        notices = [i.value for i in at.info if i.value.startswith("The link's point=")]
        assert len(notices) == 1 and "using the default" in notices[0], (raw, notices)
        assert "class_map_selected" not in at.session_state or at.session_state["class_map_selected"] is None
