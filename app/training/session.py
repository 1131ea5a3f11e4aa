"""The server-wide training manager and this visitor's id."""

from __future__ import annotations

import re
import threading
import uuid

import streamlit as st

from app.common.cache import list_models

from .worker import TrainingManager, warm_up


def _saved(run) -> None:
    list_models.clear()  # the new model is in every page's picker on its next run


@st.cache_resource(show_spinner=False)
def get_manager() -> TrainingManager:
    # The fork server imports torch and the library once, in the background, while the visitor picks settings.
    threading.Thread(target=warm_up, daemon=True, name="training-warm-up").start()
    return TrainingManager(on_saved=_saved)


VISITOR_PARAM = "visitor"  # in the training page's address, so that a reload finds the visitor's runs again
_VISITOR_ID = re.compile(r"[0-9a-f]{32}")


def visitor_id() -> str:
    """A random id per visitor: a visitor sees and controls only runs started under it. It starts in this
    browser session; a valid id in the page's address (?visitor=..., 128 random bits) is taken instead, so
    that a reload or a second tab finds the visitor's runs. Anyone handed that address shares them."""
    if "tr_visitor" not in st.session_state:
        given = st.query_params.get(VISITOR_PARAM, "")
        st.session_state.tr_visitor = given if _VISITOR_ID.fullmatch(given) else uuid.uuid4().hex
    return st.session_state.tr_visitor


def remember_visitor() -> None:
    """Put the visitor's id in the address once they have a run (Streamlit drops it on a page switch)."""
    if st.query_params.get(VISITOR_PARAM) != st.session_state.tr_visitor:
        st.query_params[VISITOR_PARAM] = st.session_state.tr_visitor
