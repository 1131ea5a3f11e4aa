"""Checkpoints in and out: download any model as one zip; upload a zip, validated, to use on every page.
An upload is the visitor's own model: it counts against their quota, checked before it is stored."""

from __future__ import annotations

import streamlit as st

from app.common.cache import list_models
from app.common.class_settings import ClassSettings
from app.common.identity import Visitor
from app.common.ownership import get_store, usage_bytes
from app.common.ui import picker_models, user_errors
from vae_core.vae.archive import MAX_ARCHIVE_BYTES, ArchiveError, export_archive, import_archive, read_archive
from vae_core.vae.registry import resolve

from .admission import check_storage
from .worker import TrainingManager


@st.cache_data(show_spinner=False, max_entries=8, ttl=600)
def _archive_bytes(name: str) -> bytes:
    return export_archive(resolve(name), name=name.removeprefix("user:"))


def store_upload(blob: bytes, stem: str, visitor: Visitor, settings: ClassSettings, mgr: TrainingManager) -> str:
    """Validate, check the visitor's quota and the server's with the archive's real size, then store it."""
    entries = read_archive(blob)  # bounded and validated: the size is the bytes that will be written
    store = get_store()
    check_storage(sum(len(v) for v in entries.values()), visitor.key, usage_bytes(visitor.key, store.models()),
                  mgr.queue(), settings)
    name = import_archive(blob, label=stem)
    store.add_model(name, visitor.key, "uploaded")
    return name


def archives_panel(visitor: Visitor, settings: ClassSettings, mgr: TrainingManager) -> None:
    st.subheader("Checkpoints in and out")
    left, right = st.columns(2)
    with left:
        names, label = picker_models()
        name = st.selectbox("Model to download", names, key="tr_download_model", format_func=label)
        if name:
            with user_errors():
                st.download_button("Download as .zip (safetensors + JSON sidecar + model card)",
                                   _archive_bytes(name), file_name=f"{name.removeprefix('user:')}.zip",
                                   mime="application/zip", key="tr_download")
    with right:
        upload = st.file_uploader("Upload a model archive (.zip)", type=["zip"], key="tr_upload",
                                  disabled=not visitor.may_train,
                                  help=f"At most {MAX_ARCHIVE_BYTES // 2**20} MB: model.safetensors, model.json and "
                                       "optionally README.md. Pickles are refused, never opened.")
        if upload is not None and st.session_state.get("tr_uploaded_id") != upload.file_id:
            with user_errors():
                st.session_state.tr_uploaded_id = upload.file_id  # refused or stored, once per file
                st.session_state.tr_uploaded_name = None
                if upload.size > MAX_ARCHIVE_BYTES:
                    raise ArchiveError(f"the archive is {upload.size / 2**20:.1f} MB; "
                                       f"the limit is {MAX_ARCHIVE_BYTES // 2**20} MB")
                stem = upload.name.rsplit(".", 1)[0]
                st.session_state.tr_uploaded_name = store_upload(upload.getvalue(), stem, visitor, settings, mgr)
                list_models.clear()
        if st.session_state.get("tr_uploaded_name"):
            st.success(f"Added as ★ {st.session_state.tr_uploaded_name.removeprefix('user:')}: "
                       "pick it in the Model menu of any page.")
