"""Latent traversal maths: dimension ordering by KL, strips, lerp and slerp paths.

Everything here works on plain arrays so the traversal page only lays out
widgets; the decoder is called through ``model.decode``, the source of truth.
"""

from __future__ import annotations

import io
import json

import numpy as np
import torch

from ..errors import ConfigError
from ..vae.config import MAX_LATENT_DIM
from ..vae.objectives import kl_per_dim
from .aggregate import log_aggregate_density, log_prior

INACTIVE_KL = 0.01  # nats: below this a dimension carries (almost) no information
SLIDER_RANGE = 4.0  # sliders span [-4, 4]: the prior puts 99.99 % of its mass inside


def check_latent_dim(latent_dim: int, limit: int = MAX_LATENT_DIM) -> None:
    if latent_dim > limit:
        raise ConfigError(f"this model has {latent_dim} latent dimensions; the traversal page shows at most {limit}")
    if latent_dim < 1:
        raise ConfigError(f"a model needs at least one latent dimension, got {latent_dim}")


def average_kl(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Average over the data set of 1/2 (mu^2 + sigma^2 - log sigma^2 - 1), per dimension."""
    kl = kl_per_dim(torch.as_tensor(mu, dtype=torch.float64), torch.as_tensor(logvar, dtype=torch.float64))
    return kl.mean(0).numpy()


def kl_order(avg_kl: np.ndarray, threshold: float = INACTIVE_KL) -> tuple[list[int], list[int]]:
    """(active, inactive) dimension indices, each sorted by decreasing average KL.

    Ties keep index order (stable sort) so the layout never jumps between reruns.
    """
    avg_kl = np.asarray(avg_kl, dtype=np.float64)
    order = sorted(range(len(avg_kl)), key=lambda d: -avg_kl[d])
    active = [d for d in order if avg_kl[d] >= threshold]
    inactive = [d for d in order if avg_kl[d] < threshold]
    return active, inactive


def clamp(z, limit: float = SLIDER_RANGE) -> tuple[np.ndarray, list[int]]:
    """Clamp z to [-limit, limit]; also return the dimensions that were out of range."""
    if isinstance(z, (str, bytes, dict)):
        raise ConfigError("z must be a list of numbers")
    try:
        z = np.asarray(z, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):  # strings, ragged lists, objects: from a browser, anything
        raise ConfigError("z must be a list of numbers") from None
    if not np.all(np.isfinite(z)):
        raise ConfigError("z must contain only finite numbers")
    out = np.clip(z, -limit, limit)
    return out, [int(d) for d in np.flatnonzero(out != z)]


def parse_z(text: str, latent_dim: int) -> np.ndarray:
    """Parse 'a, b, c' (or a JSON list) typed by a user into a latent vector."""
    cleaned = text.strip().strip("[]")
    try:
        values = [float(v) for v in cleaned.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"z must be {latent_dim} comma-separated numbers, got {text[:40]!r}") from None
    if len(values) != latent_dim:
        raise ConfigError(f"z must have {latent_dim} numbers for this model, got {len(values)}")
    if not all(np.isfinite(values)):
        raise ConfigError(f"z must be finite numbers, got {text[:40]!r}")
    return np.asarray(values, dtype=np.float64)


@torch.no_grad()
def decode(model, z, label: int | None = None) -> np.ndarray:
    """Decoder mean mu_D(z) for rows of z, as (N, H, W) float32 images."""
    z = torch.as_tensor(np.atleast_2d(np.asarray(z, dtype=np.float32)))
    x = model.decode(z, label)
    return x.reshape(len(z), *model.config.image_shape).numpy()


def strip_offsets(lo: float = -3.0, hi: float = 3.0, steps: int = 7) -> np.ndarray:
    if steps < 2 or not hi > lo:
        raise ConfigError(f"a traversal strip needs at least 2 steps and hi > lo, got {steps} steps on [{lo}, {hi}]")
    return np.linspace(lo, hi, steps)


def strip_points(z, dims, offsets) -> np.ndarray:
    """z + t e_d for every d in dims and t in offsets: shape (len(dims), len(offsets), D)."""
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    pts = np.broadcast_to(z, (len(dims), len(offsets), len(z))).copy()
    for row, d in enumerate(dims):
        if not 0 <= d < len(z):
            raise ConfigError(f"dimension {d} does not exist in a {len(z)}-D latent")
        pts[row, :, d] += offsets
    return pts


def traversal_strips(model, z, dims, offsets, label: int | None = None) -> np.ndarray:
    """Decoded strips, (len(dims), len(offsets), H, W), all in one batched decode."""
    pts = strip_points(z, dims, offsets)
    images = decode(model, pts.reshape(-1, pts.shape[-1]), label)
    return images.reshape(len(dims), len(offsets), *images.shape[1:])


def _ts(steps: int) -> np.ndarray:
    if steps < 2:
        raise ConfigError(f"an interpolation needs at least 2 steps, got {steps}")
    return np.linspace(0.0, 1.0, steps)


def lerp(a, b, steps: int) -> np.ndarray:
    """(1 - t) z_a + t z_b for t evenly spaced in [0, 1]; shape (steps, D)."""
    a, b = _pair(a, b)
    t = _ts(steps)[:, None]
    return (1 - t) * a + t * b


def slerp_fallback_reason(a, b, eps: float = 1e-7) -> str | None:
    """Why slerp between a and b falls back to a straight line, or None when it does not."""
    a, b = _pair(a, b)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < eps or nb < eps:
        return "an end is the origin, where the angle between the ends is undefined"
    cos = float(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))
    if np.sin(np.arccos(cos)) < 1e-6:
        return "the ends are " + ("opposite" if cos < 0 else "parallel") + ", so sin Ω = 0"
    return None


def slerp(a, b, steps: int, eps: float = 1e-7) -> np.ndarray:
    """sin((1-t) Omega)/sin(Omega) z_a + sin(t Omega)/sin(Omega) z_b, Omega the angle between z_a and z_b.

    The angle is undefined when either end is the origin and the weights blow up
    when z_a and z_b are (anti-)parallel (sin Omega -> 0); there the straight line
    is the only sensible path, so those cases fall back to lerp
    (slerp_fallback_reason says which, for the page to show).
    """
    a, b = _pair(a, b)
    if slerp_fallback_reason(a, b, eps) is not None:
        return lerp(a, b, steps)
    omega = np.arccos(float(np.clip(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0)))
    t = _ts(steps)[:, None]
    path = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
    path[0], path[-1] = a, b  # exact endpoints, not up to rounding
    return path


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ConfigError(f"both ends of a path need the same size, got {a.size} and {b.size}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ConfigError("the ends of a path must be finite")
    return a, b


def path_densities(path, mu, logvar) -> tuple[np.ndarray, np.ndarray]:
    """(log q(z), log p(z)) along a path: aggregate posterior of the encodings, and the prior."""
    return log_aggregate_density(path, mu, logvar), log_prior(path)


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """A grayscale PNG of an image (or a tiled strip) with values in [0, 1] or uint8."""
    from PIL import Image

    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = np.round(np.clip(arr, 0, 1) * 255).astype(np.uint8)
    if scale > 1:
        arr = np.kron(arr, np.ones((scale, scale), dtype=np.uint8))
    buf = io.BytesIO()
    # Fast zlib level: these PNGs are made on every slider release, and level 6 costs 2-5x the time
    # for files only ~20 % smaller.
    Image.fromarray(arr, mode="L").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def z_json(model_name: str, z, label: int | None = None) -> str:
    payload = {"model": model_name, "z": [float(v) for v in np.asarray(z).reshape(-1)]}
    if label is not None:
        payload["label"] = int(label)
    return json.dumps(payload, indent=1)
