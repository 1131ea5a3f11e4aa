"""The latent map's view in its address: ?data=, ?view=pca|dims|tsne, ?dx= and ?dy= (1-based dimensions),
?tau= and ?at=x,y (the clicked point, in the map's coordinates). The model is ?model=, as on every page."""

from __future__ import annotations

import streamlit as st

from app.common.link_state import from_link, new_link_value, numbers, publish, short_numbers
from app.latent_map.click import MAX_CLICK

S = st.session_state


def clicked_from_link() -> None:
    """A link's ?at= becomes the clicked point (the map then decodes it as if clicked); read once per link."""
    if new_link_value("map_clicked", "at") is None:
        return
    point = from_link("at", numbers(2, MAX_CLICK))
    if point is not None:
        S.map_clicked = (point[0], point[1])


def publish_click(point) -> None:
    publish("at", None if point is None else list(point), None, short_numbers, key="map_clicked")
