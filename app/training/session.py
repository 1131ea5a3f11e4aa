"""The server-wide training manager and this visitor's id."""

from __future__ import annotations

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


def visitor_id() -> str:
    """A random id per browser session: a visitor sees and controls only runs started under it."""
    if "tr_visitor" not in st.session_state:
        st.session_state.tr_visitor = uuid.uuid4().hex
    return st.session_state.tr_visitor
