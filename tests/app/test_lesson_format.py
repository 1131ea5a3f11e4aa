"""The lesson format and its validator: the shipped lessons are valid, and each kind of mistake gives one line
naming the file, the step and the field."""

from __future__ import annotations

import os

import pytest

from app.lessons import check as check_command
from app.lessons.lesson_format import MAX_FILE_BYTES, LessonError, parse_lesson, read_lesson_file, read_lessons
from testkit import REPO

GOOD_STEP = """
[[step]]
title = "EM"
page = "one_d"
text = "Press Run to convergence."
question = "Does L fall?"
look_for = "It never falls."
"""
GOOD = 'title = "A lesson"\n' + GOOD_STEP


def test_the_shipped_lesson_is_valid_and_follows_the_notes():
    lessons, problems = read_lessons(REPO / "lessons")
    assert problems == []
    (lesson,) = [x for x in lessons if x.name == "01-from-em-to-vae"]
    assert len(lesson.steps) == 8
    kinds = [s.check.kind for s in lesson.steps if s.check]
    assert kinds == ["em_converged", "map_gap_click", "trained_kl_above", "cvae_unsure"]
    gap = next(s for s in lesson.steps if s.check and s.check.kind == "map_gap_click")
    assert gap.params == {"tau": "3"} and gap.check.settings == {"tau": 3.0}, "the link opens the τ the check uses"


def test_a_good_lesson_parses_with_defaults_for_the_check_settings():
    lesson = parse_lesson(GOOD + 'check = { kind = "cvae_unsure" }\n', "mine.toml")
    (step,) = lesson.steps
    assert (lesson.name, step.page, step.script) == ("mine", "one_d", "app/pages/one_d.py")
    assert step.check.settings == {"below": 0.9}


@pytest.mark.parametrize("text, message", [
    ("title = 'x'\n[[step]\n", r"mine\.toml: not valid TOML \(.*line 2"),
    ('title = "x"\n', r"mine\.toml: field 'step': at least one"),
    ('title = "x"\ncolour = 1\n' + GOOD_STEP, r"mine\.toml: field 'colour': unknown"),
    (GOOD.replace('title = "A lesson"', ""), r"mine\.toml: field 'title': missing"),
    (GOOD.replace('page = "one_d"', 'page = "../../etc"'), r"mine\.toml: step 1: field 'page': '\.\./\.\./etc' is not"),
    (GOOD.replace('question = "Does L fall?"', ""), r"mine\.toml: step 1: field 'question': missing"),
    (GOOD.replace('look_for = "It never falls."', 'look_for = ""'), r"step 1: field 'look_for': must be non-empty"),
    (GOOD + "lookfor = 'typo'\n", r"mine\.toml: step 1: field 'lookfor': unknown"),
    (GOOD + GOOD_STEP.replace('text = "Press Run to convergence."', "text = 3"), r"step 2: field 'text'"),
    (GOOD + "params = { tau = '4' }\n", r"step 1: field 'params\.tau': the one_d page does not read it"),
    (GOOD + "params = { present = ['1'] }\n", r"step 1: field 'params\.present': must be a short"),
    (GOOD + "params = 'tau=4'\n", r"step 1: field 'params': must be a table"),
    (GOOD + "check = 'em_converged'\n", r"step 1: field 'check': must be a table"),
    (GOOD + "check = { kind = 'gold_star' }\n", r"step 1: field 'check\.kind': 'gold_star' is not a check"),
    (GOOD + "check = { kind = 'cvae_unsure', below = 2 }\n", r"step 1: field 'check\.below': must be a number from 0"),
    (GOOD + "check = { kind = 'cvae_unsure', below = true }\n", r"step 1: field 'check\.below': must be a number"),
    (GOOD + "check = { kind = 'em_converged', tau = 3 }\n", r"mine\.toml: step 1: field 'check\.tau': unknown"),
    (GOOD + "summary = 'a lesson field, written under a step'\n", r"step 1: field 'summary': unknown"),
    ('title = "x"\n' + GOOD_STEP.replace("Press Run to convergence.", "y" * 4001), r"step 1: field 'text': 4,001 "),
    ('title = "x"\n' + GOOD_STEP * 31, r"field 'step': 31 steps, at most 30"),
])
def test_each_kind_of_mistake_names_the_file_step_and_field(text, message):
    with pytest.raises(LessonError, match=message) as caught:
        parse_lesson(text, "mine.toml")
    assert "\n" not in str(caught.value), "one line"


def test_a_file_is_size_checked_before_it_is_read_and_must_be_a_regular_utf8_file(tmp_path, monkeypatch):
    big = tmp_path / "big.toml"
    big.write_text(GOOD + "#" * MAX_FILE_BYTES)
    monkeypatch.setattr("builtins.open", lambda *a, **k: pytest.fail("a file over the limit was opened"))
    with pytest.raises(LessonError, match=r"^big\.toml: [\d,]+ bytes, over the 65,536-byte limit$"):
        read_lesson_file(big)
    monkeypatch.undo()

    good = tmp_path / "good.toml"
    good.write_text(GOOD)
    link = tmp_path / "link.toml"
    os.symlink(good, link)
    with pytest.raises(LessonError, match=r"^link\.toml: not a regular file"):
        read_lesson_file(link)
    with pytest.raises(LessonError, match=r"^folder\.toml: not a regular file"):
        (tmp_path / "folder.toml").mkdir()
        read_lesson_file(tmp_path / "folder.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(GOOD.replace("EM", "caf\xe9").encode("latin-1"))
    with pytest.raises(LessonError, match=r"^latin\.toml: not UTF-8"):
        read_lesson_file(latin)
    with pytest.raises(LessonError, match=r"^gone\.toml: cannot be read$"):
        read_lesson_file(tmp_path / "gone.toml")
    assert str(tmp_path) not in str(pytest.raises(LessonError, read_lesson_file, big).value), "no server path"


def test_the_teachers_command_prints_one_line_per_file_and_fails_on_a_broken_one(tmp_path, capsys):
    (tmp_path / "a.toml").write_text(GOOD)
    assert check_command.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == "OK a.toml: A lesson (1 steps)\n"
    (tmp_path / "b.toml").write_text(GOOD.replace('page = "one_d"', 'page = "nowhere"'))
    assert check_command.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("OK a.toml") and out[1].startswith("BROKEN b.toml: step 1: field 'page'")
    assert check_command.main([str(tmp_path / "b.toml")]) == 1
    assert check_command.main([str(tmp_path / "empty")]) == 1
    assert check_command.main([str(REPO / "lessons")]) == 0
