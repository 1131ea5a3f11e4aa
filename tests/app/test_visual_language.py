"""One visual language: the class palette, the gap colour no class uses, the glossary shown in tooltips and in
docs/students.md, and the presenter view reachable from the address."""

import re

from app.common import palette
from app.common.glossary import GLOSSARY, explain
from testkit import REPO
from testkit.apptest import new_page


def test_ten_distinct_class_colours_none_of_them_grey_like_the_gaps():
    colours = palette.CLASS_COLOURS
    assert len(set(colours)) == 10
    for c in colours:
        r, g, b = palette.rgb(c)
        assert max(r, g, b) - min(r, g, b) > 40, f"{c} is nearly grey, the gaps' colour"
    assert palette.class_colour(11) == colours[1]


def test_the_glossary_in_docs_is_the_one_the_pages_show():
    text = (REPO / "docs/students.md").read_text().split("## Glossary", 1)[1]
    listed = dict(re.findall(r"^- \*\*(.+?)\*\*: (.+)$", text, re.M))
    assert listed == GLOSSARY
    for term in ("prior-hole mass", "gap", "τ", "aggregate posterior", "ELBO", "IW bound", "K", "ESS",
                 "self-consistency Var[log w]", "I(x; z)", "active unit", "β²", "KL weight λ", "reg_covar",
                 "Gauss-Hermite", "responsibility"):
        assert term in GLOSSARY
    assert explain("ESS").startswith("**ESS**: the effective sample size")


def test_the_address_opens_the_presenter_view_and_the_toggle_keeps_the_address():
    at = new_page("streamlit_app", timeout=120)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert at.sidebar.toggle(key="presenter").value is True
    assert any("font-size: 20px" in m.value for m in at.markdown)
    at.sidebar.toggle(key="presenter").set_value(False).run()
    assert "present" not in at.query_params
    assert not any("font-size: 20px" in m.value for m in at.markdown)
