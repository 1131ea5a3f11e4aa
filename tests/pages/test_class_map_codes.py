"""Class maps a teacher creates (AppTest): a teacher names one and gets its code once, the page joins it and
keeps the code in its address; a student joins with the typed code or the link and adds to that map, not the
server's; a wrong, malformed or hostile code gets one line; a deleted map sends its viewers back to the
server's; only a teacher sees the controls; the server keeps at most MOST_BOARDS."""

from __future__ import annotations

import re
import uuid

import numpy as np
import pytest

from app.class_map import codes
from app.class_map.board import add_point, board_points
from app.common.class_settings import ClassSettings
from app.common.ownership import get_store
from testkit.apptest import assert_ok, new_page


def opened(params: dict | None = None, **state):
    at = new_page("class_map")
    at.session_state["visitor_browser"] = uuid.uuid4().hex
    at.session_state["visitor_cookie_ok"] = True
    for key, value in state.items():
        at.session_state[key] = value
    for name, value in (params or {}).items():
        at.query_params[name] = value
    return at.run()


@pytest.fixture(autouse=True)
def no_boards():
    def wipe():
        for b in get_store().class_boards():
            get_store().delete_class_board(b.board)
        codes.class_boards.clear()
        board_points.clear()
    wipe()
    yield
    wipe()


def made_code(teacher) -> str:
    said = next(s.value for s in teacher.success if s.value.startswith("Created"))
    return re.search(r"code is \*\*([A-Z2-9]{4})-([A-Z2-9]{4})\*\*", said).group(1, 2)


def test_a_teacher_creates_a_class_map_and_a_student_joins_it_with_the_code():
    teacher = opened(visitor_admin=True)
    teacher.text_input(key="class_map_title").input("Tuesday lab").run()
    teacher.button(key="class_map_create").click().run()
    assert_ok(teacher)
    code = "".join(made_code(teacher))
    assert dict(teacher.query_params)["code"] == code, "the address does not hold the new map's code"
    assert "You are on **Tuesday lab** (code " in " ".join(m.value for m in teacher.markdown)
    board = codes.board_of_code(code)
    assert [b.board for b in get_store().class_boards()] == [board] and code not in board

    student = opened()
    assert "this server's class map" in " ".join(m.value for m in student.markdown)
    student.text_input(key="class_map_code").input(f" {code[:4].lower()}-{code[4:]} ")
    next(b for b in student.button if b.label == "Join").click().run()
    assert_ok(student)
    assert student.session_state["class_map_joined"] == (board, code)
    assert dict(student.query_params)["code"] == code
    assert "class_map_create" not in [b.key for b in student.button], "a student sees the teacher's controls"
    assert "You are on **Tuesday lab** (code " in " ".join(m.value for m in student.markdown)
    wrong = opened()
    wrong.text_input(key="class_map_code").input("ZZZZ-ZZZZ")
    next(b for b in wrong.button if b.label == "Join").click().run()
    assert [e.value for e in wrong.error] == [
        "That code opens no class map on this server (ask your teacher for it again)."]


def test_a_link_with_the_code_opens_the_class_map_and_bad_codes_get_one_line():
    code = codes.create_board("Thursday lab")
    at = opened({"code": code})
    assert_ok(at)
    assert "You are on **Thursday lab**" in " ".join(m.value for m in at.markdown)
    for raw, why in (("ZZZZ-ZZZZ", "opens no class map on this server"), ("0O1I0O1I", "is not a class code"),
                     ("../../etc/passwd", "is not a class code"), ("x" * 5000, "longer than 200 characters")):
        at = opened({"code": raw})
        assert_ok(at)
        said = [i.value for i in at.info if i.value.startswith("The link's code=")]
        assert len(said) == 1 and why in said[0] and "/etc" not in said[0], (raw, said)
        assert "this server's class map" in " ".join(m.value for m in at.markdown)


def test_a_deleted_class_map_sends_its_viewers_back_to_the_servers_with_its_points_gone():
    code = codes.create_board("Old class")
    board = codes.board_of_code(code)
    add_point(board, "s" * 32, 4, np.zeros((28, 28)), ClassSettings())
    teacher = opened({"code": code}, visitor_admin=True)
    teacher.selectbox(key="class_map_doomed").select(board).run()
    teacher.checkbox(key="class_map_doomed_sure").check().run()
    teacher.button(key="class_map_delete_board").click().run()
    assert_ok(teacher)
    assert get_store().class_boards() == [] and get_store().class_points(board) == []
    student = opened({"code": code})
    assert "opens no class map" in " ".join(i.value for i in student.info)
    from app.store import ClassMapFull

    with pytest.raises(ClassMapFull, match="your teacher deleted this class map"):  # a page drawn before
        add_point(board, "s" * 32, 4, np.zeros((28, 28)), ClassSettings())
    assert get_store().class_points(board) == []


def test_codes_titles_and_the_servers_limit():
    made = {codes.new_code() for _ in range(200)}
    assert len(made) == 200 and all(len(c) == 8 and set(c) <= set(codes.ALPHABET) for c in made)
    assert codes.parse_code(" abcd-2345 ") == "ABCD2345"
    for bad in ("", "ABCD234", "ABCD23456", "ABCD-234O", "<script>"):
        with pytest.raises(codes.CodeError, match="is not a class code"):
            codes.parse_code(bad)
    for bad in ("", "   ", "x" * 61, "tab\there\x00"):
        with pytest.raises(codes.CodeError):
            codes.create_board(bad)
    from app.store import ClassMapFull

    for i in range(codes.MOST_BOARDS):
        get_store().add_class_board(f"class-{i:016x}", f"class {i}", float(i), codes.MOST_BOARDS)
    with pytest.raises(ClassMapFull, match=f"at most {codes.MOST_BOARDS} class maps"):
        codes.create_board("one too many")
