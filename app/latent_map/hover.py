"""Images on a latent map's points on hover, for any page's map of a model's codes: each point's image and,
decoded in the browser, its reconstruction mu_D(mu(x)) under that model."""

from __future__ import annotations

import numpy as np

from app.common.cache import get_dataset, get_model
from app.common.hover_images import hover_images
from app.common.live_decoder import weights_once
from app.common.model_cache import browser_weights
from app.latent_map import cache as lmc
from app.latent_map.click import MAP_META


def map_hover(model_name: str, data_name: str, key: str, meta: str = MAP_META, positions: np.ndarray | None = None,
              weights_mounted: bool = False) -> None:
    """`weights_mounted`: the page already mounts the decoder (the latent map's live_weights); else it is
    mounted here once per browser session."""
    model, data = get_model(model_name), get_dataset(data_name)
    labels = np.asarray(data.y) if model.config.conditional and data.y is not None else None
    decodable = not model.config.conditional or labels is not None  # a CVAE's decoder needs the label
    weights_id = browser_weights(model_name)[0] if weights_mounted else weights_once(model_name, f"{key}_weights")
    hover_images(meta, data_name, tuple(model.config.image_shape),
                 lmc.encodings(model_name, data_name)[0] if decodable else None, weights_id, key=key,
                 positions=positions, labels=labels)
