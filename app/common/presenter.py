"""Presenter view for a projector: larger charts and fonts, formulas folded, the sidebar collapsed. A toggle in
the sidebar, also reachable by the address (?present=1), so a teacher can open a lesson straight in it."""

from __future__ import annotations

import streamlit as st

PARAM = "present"
KEY = "presenter"
# Scaled from the root: Streamlit's text, widgets and KaTeX are sized in rem, so one rule enlarges them all.
_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
</style>"""


def requested() -> bool:
    """Whether the address asks for the presenter view; anything but 0/1 is ignored."""
    return st.query_params.get(PARAM) == "1"


def sidebar_state() -> str:
    """For st.set_page_config, before anything else is drawn: collapsed in the presenter view."""
    return "collapsed" if st.session_state.get(KEY, requested()) else "auto"


def presenter_toggle() -> bool:
    """The sidebar's toggle; keeps the address in step, so the link a teacher copies keeps the view."""
    if KEY not in st.session_state:
        st.session_state[KEY] = requested()
    on = st.sidebar.toggle("Presenter view", key=KEY,
                           help="For a projector: larger fonts and charts, formulas folded, sidebar collapsed.")
    if on:
        st.query_params[PARAM] = "1"
        st.markdown(_CSS, unsafe_allow_html=True)
    elif PARAM in st.query_params:
        del st.query_params[PARAM]
    return on


def presenting() -> bool:
    return bool(st.session_state.get(KEY, False))
