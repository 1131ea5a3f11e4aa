"""Checkpoints in and out: download any model as one zip; upload a zip, validated, to use on every page."""

from __future__ import annotations

import streamlit as st

from app.common.cache import list_models
from app.common.ui import model_label, user_errors
from vae_core.vae.archive import MAX_ARCHIVE_BYTES, export_archive, import_archive
from vae_core.vae.registry import resolve


@st.cache_data(show_spinner=False, max_entries=8, ttl=600)
def _archive_bytes(name: str) -> bytes:
    return export_archive(resolve(name), name=name.removeprefix("user:"))


def archives_panel() -> None:
    st.subheader("Checkpoints in and out")
    left, right = st.columns(2)
    with left:
        names = list_models()
        name = st.selectbox("Model to download", names, key="tr_download_model", format_func=model_label)
        if name:
            with user_errors():
                st.download_button("Download as .zip (safetensors + JSON sidecar + model card)",
                                   _archive_bytes(name), file_name=f"{name.removeprefix('user:')}.zip",
                                   mime="application/zip", key="tr_download")
    with right:
        upload = st.file_uploader("Upload a model archive (.zip)", type=["zip"], key="tr_upload",
                                  help=f"At most {MAX_ARCHIVE_BYTES // 2**20} MB: model.safetensors, model.json and "
                                       "optionally README.md. Pickles are refused, never opened.")
        if upload is not None and st.session_state.get("tr_uploaded_id") != upload.file_id:
            with user_errors():
                if upload.size > MAX_ARCHIVE_BYTES:
                    from vae_core.vae.archive import ArchiveError

                    raise ArchiveError(f"the archive is {upload.size / 2**20:.1f} MB; "
                                       f"the limit is {MAX_ARCHIVE_BYTES // 2**20} MB")
                stem = upload.name.rsplit(".", 1)[0]
                name = import_archive(upload.getvalue(), label=stem)
                st.session_state.tr_uploaded_id = upload.file_id
                st.session_state.tr_uploaded_name = name
                list_models.clear()
        if st.session_state.get("tr_uploaded_name"):
            st.success(f"Added as ★ {st.session_state.tr_uploaded_name.removeprefix('user:')}: "
                       "pick it in the Model menu of any page.")
