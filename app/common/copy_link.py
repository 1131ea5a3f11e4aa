"""The "Copy link" button every page has in its sidebar: it copies the address as it is now, which the page
keeps in step with what is on screen (app/common/link_state.py), so the link opens the same view. The JS and
CSS live beside this file."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent

_HTML = """<div class="copy-link"><button type="button">Copy link to this view</button>
<div class="status" role="status"></div><input class="manual" type="text" readonly hidden></div>"""

_component = st.components.v2.component(
    "vae_copy_link", html=_HTML, js=(HERE / "copy_link.js").read_text(), css=(HERE / "copy_link.css").read_text())

HELP = ("The address keeps this page's settings (model, τ, z, ...). Uploaded and drawn images are not part "
        "of a link.")


def copy_link_button() -> None:
    with st.sidebar:
        _component(key="copy_link", height="content")
        st.caption(HELP)
