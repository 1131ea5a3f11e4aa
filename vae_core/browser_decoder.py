"""The decoder's weights packed for the browser, which re-runs the MLP on every slider move.

The browser only mirrors the decoder; Python's ``model.decode`` stays the source
of truth and the page compares the two on every release. Weights travel as
base64 float32 so the page sends ~2.8 MB once (Streamlit caches the identical
message) rather than megabytes of JSON numbers.
"""

from __future__ import annotations

import base64

import numpy as np
from torch import nn

from .errors import ConfigError


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def decoder_layers(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W, b), ...] of the decoder's Linear layers, with ReLU between them and sigmoid after the last."""
    modules = list(model.decoder)
    linears = [m for m in modules if isinstance(m, nn.Linear)]
    expected = [nn.Linear, nn.ReLU] * (len(linears) - 1) + [nn.Linear]
    if [type(m) for m in modules] != expected:
        raise ConfigError("the browser decoder supports MLP decoders of Linear layers with ReLU between them")
    return [(m.weight.detach().cpu().numpy(), m.bias.detach().cpu().numpy()) for m in linears]


def decoder_payload(model) -> dict:
    """JSON-ready description of the decoder: layer shapes and base64 float32 weights (row-major, out x in)."""
    layers = []
    for w, b in decoder_layers(model):
        layers.append({"rows": int(w.shape[0]), "cols": int(w.shape[1]), "w": _b64(w), "b": _b64(b)})
    c = model.config
    return {"latent_dim": c.latent_dim, "num_classes": c.num_classes, "height": c.image_shape[0],
            "width": c.image_shape[1], "layers": layers}
