"""Small UI helpers shared by pages."""

from __future__ import annotations

import io
from collections.abc import Callable
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
    """Digits tiled `cols` to a row, each pixel a `scale`-pixel square. In the presenter view the grid fills
    its column at twice the pixels, so a projector shows it as large as the column allows and still sharp."""
    from app.common.presenter import presenting

    big = presenting()
    grid = tile_images(images, cols=cols, scale=2 * scale if big else scale)
    st.image(Image.fromarray(grid, mode="L"), caption=caption, width="stretch" if big else "content",
             output_format="PNG")  # JPEG, the default for a PIL picture, blurs the strokes


def png_grid(png: bytes, caption: str | None = None) -> None:
    """A picture made by grid_png (at the presenter view's doubled scale there), sent as it is."""
    from app.common.presenter import presenting

    st.image(png, caption=caption, width="stretch" if presenting() else "content", output_format="PNG")


def grid_png(images, cols: int, scale: int = 3) -> bytes:
    """The image_grid picture as PNG bytes: for a cache to keep, so a later visitor's page sends it as is."""
    out = io.BytesIO()
    Image.fromarray(tile_images(images, cols=cols, scale=scale), mode="L").save(out, format="PNG")
    return out.getvalue()


def picker_models() -> tuple[list[str], Callable[[str], str]]:
    """The models this visitor may pick (others' hidden in private mode) and the labels to show them with."""
    from app.common.cache import list_models
    from app.common.class_settings import current_settings
    from app.common.identity import current_visitor
    from app.common.ownership import get_store, labeler, visible_models

    settings = current_settings()
    visitor = current_visitor(settings)
    records = get_store().models()
    return visible_models(list_models(), visitor, settings, records), labeler(visitor, records)


def model_picker(key: str = "model", default: str = "mnist-2d") -> str | None:
    """The sidebar's model picker, kept in the address as ?model= (a link names the model it shows)."""
    from app.common.link_state import held, one_of, publish, seed_widget

    names, label = picker_models()
    if not names:
        st.error("No pretrained models found in pretrained/. Train one with `python -m vae_core train`.")
        return None
    seed_widget(key, "model", one_of(names, "a model on this server"), default if default in names else names[0])
    if st.session_state.get(key) not in names:  # set by another page or a link before switching here: kept
        st.session_state[key] = default if default in names else names[0]
    name = st.sidebar.selectbox("Model", names, key=key, **held(key, names), format_func=label, help=PICKER_HELP)
    publish("model", name, default, key=key)
    return name


PICKER_HELP = ("★ marks your own models (trained on the Training page or uploaded from this browser); "
               "\"(class)\" marks models other visitors made on this server.")
