"""Small UI helpers shared by pages."""

from __future__ import annotations

import io
from contextlib import contextmanager

import streamlit as st
from PIL import Image

from vae_core.errors import VAECoreError
from vae_core.images.gallery import tile_images


@contextmanager
def user_errors():
    """Show a user mistake as st.error and keep the rest of the page working."""
    try:
        yield
    except VAECoreError as exc:
        st.error(str(exc))


def image_grid(images, cols: int, caption: str | None = None, scale: int = 3) -> None:
    grid = tile_images(images, cols=cols, scale=scale)
    st.image(Image.fromarray(grid, mode="L"), caption=caption)


def grid_png(images, cols: int, scale: int = 3) -> bytes:
    """The image_grid picture as PNG bytes: for a cache to keep, so a later visitor's page sends it as is."""
    out = io.BytesIO()
    Image.fromarray(tile_images(images, cols=cols, scale=scale), mode="L").save(out, format="PNG")
    return out.getvalue()


def model_picker(key: str = "model", default: str = "mnist-2d") -> str | None:
    from app.common.cache import list_models

    names = list_models()
    if not names:
        st.error("No pretrained models found in pretrained/. Train one with `python -m vae_core train`.")
        return None
    if st.session_state.get(key) in names:  # set by another page before switching here: no default, no warning
        return st.sidebar.selectbox("Model", names, key=key, format_func=model_label, help=PICKER_HELP)
    index = names.index(default) if default in names else 0
    return st.sidebar.selectbox("Model", names, index=index, key=key, format_func=model_label,
                                help=PICKER_HELP)


PICKER_HELP = "★ marks your own models: trained on the Training page or uploaded, kept in the user models folder."


def model_label(name: str) -> str:
    """A user's own model is starred, so it is never mistaken for a shipped one."""
    return f"★ {name[len('user:'):]} (yours)" if name.startswith("user:") else name
