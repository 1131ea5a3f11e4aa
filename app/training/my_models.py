"""My models: rename or delete one's own models; the teacher deletes any."""

from __future__ import annotations

import streamlit as st

from app.common.cache import list_models
from app.common.class_settings import ClassSettings
from app.common.identity import Visitor
from app.common.ownership import delete_model, get_store, own_models, rename_model, usage_bytes
from app.common.ui import user_errors
from vae_core.vae.user_models import folder_bytes, is_user_model

from .worker import TrainingManager


def _done(note: str) -> None:
    """Redraw with the lists changed; the note is shown on the next run."""
    list_models.clear()
    st.session_state.tr_models_note = note
    st.rerun()


def my_models_panel(visitor: Visitor, settings: ClassSettings, mgr: TrainingManager) -> None:
    store = get_store()
    records = store.models()
    names = list_models()
    mine = own_models(visitor, names, records)
    note = st.session_state.pop("tr_models_note", None)
    with st.expander(f"My models ({len(mine)})", expanded=note is not None):
        if note:
            st.success(note)
        used = usage_bytes(visitor.key, records)
        st.caption(f"Your models take {used / 2**20:.1f} MB of the {settings.visitor_quota_mb:g} MB each visitor "
                   "may keep on this server.")
        if mine:
            name = st.selectbox("Model", mine, key="tr_my_model",
                                format_func=lambda n: f"★ {n[5:]} ({folder_bytes(n) / 2**20:.1f} MB)")
            left, right = st.columns(2)
            new = left.text_input("New name", key="tr_rename_to", max_chars=40,
                                  help="Letters, digits, dots, dashes; anything else becomes a dash.")
            if left.button("Rename", key="tr_rename", disabled=not new.strip()):
                with user_errors():
                    renamed = rename_model(store, visitor, name, new, mgr.busy_models())
                    _done(f"Renamed to ★ {renamed[5:]}.")
            sure = right.checkbox("Yes, delete it", key="tr_delete_sure")
            if right.button("Delete", key="tr_delete", disabled=not sure):
                with user_errors():
                    delete_model(store, visitor, name, mgr.busy_models())
                    _done(f"Deleted {name[5:]}.")
        else:
            st.caption("None yet: a finished or stopped run, or an uploaded archive, is kept here.")
        if visitor.admin:
            everyone = [n for n in names if is_user_model(n)]
            if everyone:
                doomed = st.selectbox("Any model on this server (teacher)", everyone, key="tr_admin_model",
                                      format_func=lambda n: n[5:])
                if st.button("Delete it (teacher)", key="tr_admin_delete"):
                    with user_errors():
                        delete_model(store, visitor, doomed, mgr.busy_models())
                        _done(f"Deleted {doomed[5:]}.")
