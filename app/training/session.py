"""The server-wide training manager, one per database (a test's own folder gets its own)."""

from __future__ import annotations

import threading

import streamlit as st

import vae_core
from app.common.cache import list_models
from app.common.class_settings import current_settings
from app.common.data_roots import allowed_roots, visitor_spec
from app.common.ownership import get_store
from app.store import database_path

from .process import warm_up
from .worker import TrainingManager


def _saved(run) -> None:
    list_models.clear()  # the new model (or a run's checkpoint so far) is in every page's picker on its next run


def _load(spec: str):
    """A queued run's data set, loaded again after a restart: still only what a visitor may name."""
    return vae_core.load_dataset(visitor_spec(spec), roots=allowed_roots())


@st.cache_resource(show_spinner=False)
def _manager_at(path: str) -> TrainingManager:
    # The fork server imports torch and the library once, in the background, while the visitor picks settings.
    threading.Thread(target=warm_up, daemon=True, name="training-warm-up").start()
    return TrainingManager(on_saved=_saved, store=get_store(), load_data=_load, settings=current_settings())


def get_manager() -> TrainingManager:
    return _manager_at(str(database_path()))
