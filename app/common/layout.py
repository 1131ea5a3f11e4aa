"""The shape every page follows: one sentence on what it shows, the main control and the main picture first;
then the figures; then the mathematics and the advanced sections, folded in expanders that say what they
hold. Every formula stays on the page, folded, never deleted."""

from __future__ import annotations

import streamlit as st

from app.common.what_to_try import what_to_try


def page_intro(title: str, sentence: str, page: str) -> None:
    """The title, one sentence on what the page shows, and its What-to-try box (folded)."""
    st.title(title)
    st.markdown(sentence)
    what_to_try(page)


def lazy_folded(label: str, key: str):
    """folded, whose contents are drawn only while it is open: `with box:` and then `if box.open:`. Opening it
    reruns the page. For a page a class reruns often (the latent map): a closed expander's formulas and
    buttons were drawn on every rerun, for every visitor, and nobody saw them."""
    return st.expander(label, expanded=False, key=key, on_change="rerun")


def folded(label: str):
    """An expander for the mathematics or an advanced section, closed until asked for. `label` says what it
    holds ("The mathematics: the aggregate posterior and its gaps")."""
    return st.expander(label, expanded=False)
