"""Every page carries a "What to try" box of two or three experiments, each naming what to click."""

import re

from app.common.what_to_try import EXPERIMENTS
from testkit import REPO

PAGES = REPO / "app" / "pages"


def test_every_page_calls_its_box_and_every_box_belongs_to_a_page():
    called = {}
    for page in PAGES.glob("*.py"):
        keys = re.findall(r'what_to_try\("(\w+)"\)', page.read_text())
        assert len(keys) == 1, f"{page.name} shows {len(keys)} What-to-try boxes"
        called[page.stem] = keys[0]
    assert called == {stem: stem for stem in called}  # the key is the page's file name
    assert set(EXPERIMENTS) == set(called)


def test_two_or_three_experiments_each_naming_what_to_click():
    for page, experiments in EXPERIMENTS.items():
        assert 2 <= len(experiments) <= 3, page
        for text in experiments:
            assert re.search(r"\*\*[^*]+\*\*", text), f"{page}: name the control in bold: {text[:60]}"
