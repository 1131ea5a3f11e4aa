"""The latent map's "true posterior of a data-set image" section: pick an image (by index, or the one
nearest the last click) and see p(z|x) as contours beside q(z|x)'s ellipse."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from app.common.posterior_view import posterior_section
from app.latent_map import cache as lmc


def posterior_panel(model_name: str, data_name: str) -> None:
    model = get_model(model_name)
    if model.config.latent_dim > 2:
        return
    data = get_dataset(data_name)
    mu, _ = lmc.encodings(model_name, data_name)
    st.subheader("The true posterior of one image")
    st.markdown("With a 2-D latent nothing needs estimating: $p(x)$, $p(z\\mid x)$ and the gap "
                "$\\mathrm{KL}(q(z\\mid x)\\,\\|\\,p(z\\mid x))$ are integrals over the plane.")
    clicked = st.session_state.get("map_clicked")
    nearest = 0
    if clicked is not None and mu.shape[1] == 2:
        nearest = int(np.argmin(((mu - np.asarray(clicked[:2])) ** 2).sum(1)))
    cols = st.columns([1, 3])
    use_click = cols[0].toggle("image nearest my last click", clicked is not None, key="map_post_click",
                               disabled=clicked is None)
    index = nearest if use_click and clicked is not None else int(cols[0].number_input(
        f"image index (0 to {len(data.x) - 1})", 0, len(data.x) - 1, 0, key="map_post_index"))
    shape = tuple(data.image_shape)
    cols[0].image(np.clip(data.x[index].reshape(shape), 0, 1), width=112, output_format="PNG",
                  caption=f"image {index}" + ("" if data.y is None else f", class {data.class_names[data.y[index]]}"))
    label = None
    if model.config.conditional:
        label = int(data.y[index])
    with cols[1]:
        posterior_section(model_name, data.x[index], key="map", label=label,
                          backdrop=mu if mu.shape[1] == 2 else None)
