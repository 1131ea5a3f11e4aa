"""Every page carries a "What to try" box of two or three experiments, each naming what to click."""

import ast
import re

from app.common.what_to_try import EXPERIMENTS
from testkit import REPO

PAGES = REPO / "app" / "pages"


def box_keys(source: str) -> list[str]:
    """The keys of the boxes a page shows: what_to_try("key"), or page_intro(title, sentence, "key") which
    shows it (app/common/layout.py)."""
    keys = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = {"what_to_try": node.args[:1], "page_intro": node.args[2:3]}.get(node.func.id, [])
            args = args + [k.value for k in node.keywords if k.arg == "page"]
            keys += [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return keys


def test_every_page_calls_its_box_and_every_box_belongs_to_a_page():
    called = {}
    for page in PAGES.glob("*.py"):
        keys = box_keys(page.read_text())
        assert len(keys) == 1, f"{page.name} shows {len(keys)} What-to-try boxes"
        called[page.stem] = keys[0]
    assert called == {stem: stem for stem in called}  # the key is the page's file name
    assert set(EXPERIMENTS) == set(called)


def test_two_or_three_experiments_each_naming_what_to_click():
    for page, experiments in EXPERIMENTS.items():
        assert 2 <= len(experiments) <= 3, page
        for text in experiments:
            assert re.search(r"\*\*[^*]+\*\*", text), f"{page}: name the control in bold: {text[:60]}"
