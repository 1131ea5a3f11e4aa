"""vae_core.fileio.parse_json: JSON from a file or a browser, refused in one line when Python's json would
accept what nothing downstream can use (NaN, Infinity, 1e400) or recurse without bound (deep nesting)."""

import json

import pytest

from vae_core.errors import DataError
from vae_core.fileio import MAX_JSON_DEPTH, parse_json


@pytest.mark.parametrize("text, fragment", [
    ('{"a": NaN}', "NaN"),
    ('{"a": Infinity}', "NaN"),
    ('[-Infinity]', "NaN"),
    ('{"a": 1e400}', "1.8e308"),
    ('{"a": -1e400}', "1.8e308"),
    ("[" * 10_000 + "]" * 10_000, "nested"),
    ('{"a":' * 10_000 + "1" + "}" * 10_000, "nested"),
    ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "nested"),
    ("9" * 5000, "not valid JSON"),
    ("{not json", "not valid JSON"),
], ids=["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "deep-lists", "deep-objects", "one-too-deep",
        "5000-digits", "syntax"])
def test_what_json_loads_accepts_or_crashes_on_is_one_line(text, fragment):
    with pytest.raises(DataError, match=fragment) as info:
        parse_json(text.encode(), DataError, "the file")
    assert str(info.value).startswith("the file") and "\n" not in str(info.value)


def test_invalid_utf8_is_one_line():
    with pytest.raises(DataError, match="UTF-8"):
        parse_json(b'{"a": "\xff"}', DataError, "x")


def test_ordinary_json_parses_exactly_as_json_loads():
    text = json.dumps({"a": [1, 2.5, -3e300, None, True], "b": {"c": '[[[[{{{{ \\" ]]'}, "d": "x\\\\"})
    assert parse_json(text, DataError, "x") == json.loads(text)
    deepest = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(deepest, DataError, "x") == json.loads(deepest)
    many = "[" + ",".join(["[]"] * 100_000) + "]"  # long but shallow
    assert len(parse_json(many, DataError, "x")) == 100_000


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"k": "[" * 10_000, "e": 'a\\"[[[[' * 1000})
    assert parse_json(text, DataError, "x") == json.loads(text)
