"""The decoder's weights packed for the browser, which re-runs the MLP on every slider move.

The browser only mirrors the decoder; Python's ``model.decode`` stays the source
of truth and the page compares the two on every release. The weights travel as
one binary blob (Streamlit hands a bytes payload to the component as a
Uint8Array), so there is no base64, JSON or UTF-8 decoding of megabytes on
every page open:

    b"VAED" | uint32 little-endian n | n bytes of JSON header (space-padded to 4) |
    for each layer: W^T as float32 (cols x rows, i.e. input-major), then b as float32

W is stored transposed because the browser computes y = b + sum_c x_c W[:, c],
skipping the inputs a ReLU zeroed; input-major order makes each W[:, c] contiguous.
"""

from __future__ import annotations

import hashlib
import json
import struct

import numpy as np
from torch import nn

from ..errors import ConfigError

MAGIC = b"VAED"


def decoder_layers(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W, b), ...] of the decoder's Linear layers, with ReLU between them and sigmoid after the last."""
    modules = list(model.decoder)
    linears = [m for m in modules if isinstance(m, nn.Linear)]
    expected = [nn.Linear, nn.ReLU] * (len(linears) - 1) + [nn.Linear]
    if [type(m) for m in modules] != expected:
        raise ConfigError("the browser decoder supports MLP decoders of Linear layers with ReLU between them")
    return [(m.weight.detach().cpu().numpy(), m.bias.detach().cpu().numpy()) for m in linears]


def decoder_blob(model) -> tuple[str, bytes]:
    """(weights id, blob): the id is a hash of the weights, so the browser re-parses only on a new model."""
    layers = decoder_layers(model)
    arrays = b"".join(np.ascontiguousarray(w.T, dtype="<f4").tobytes() + np.ascontiguousarray(b, dtype="<f4").tobytes()
                      for w, b in layers)
    weights_id = hashlib.sha256(arrays).hexdigest()[:16]
    c = model.config
    header = json.dumps({"id": weights_id, "latent_dim": c.latent_dim, "num_classes": c.num_classes,
                         "height": c.image_shape[0], "width": c.image_shape[1],
                         "layers": [{"rows": int(w.shape[0]), "cols": int(w.shape[1])} for w, _ in layers]}).encode()
    header += b" " * (-len(header) % 4)  # keep the float32 arrays 4-byte aligned
    return weights_id, MAGIC + struct.pack("<I", len(header)) + header + arrays


def read_blob(blob: bytes) -> tuple[dict, list[tuple[np.ndarray, np.ndarray]]]:
    """Inverse of decoder_blob: (header, [(W, b), ...]); used by tests to check the format."""
    if blob[:4] != MAGIC:
        raise ConfigError("not a decoder blob")
    (n,) = struct.unpack("<I", blob[4:8])
    header = json.loads(blob[8:8 + n])
    flat = np.frombuffer(blob[8 + n:], dtype="<f4")
    out, at = [], 0
    for layer in header["layers"]:
        rows, cols = layer["rows"], layer["cols"]
        wt = flat[at:at + rows * cols].reshape(cols, rows)
        at += rows * cols
        out.append((wt.T, flat[at:at + rows]))
        at += rows
    if at != len(flat):
        raise ConfigError("decoder blob has trailing bytes")
    return header, out
