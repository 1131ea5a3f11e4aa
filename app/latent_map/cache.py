"""Cached computations behind the latent map, keyed by (model, data set, view).

Everything here is computed by vae_core; this file only decides what is cached.
The first visit encodes the data set and evaluates the density grid; widget
changes afterwards (tau, ellipses, clicks) reuse the cached arrays.
"""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from app.common.ui import grid_png
from vae_core.fileio import array_key, disk_cached_arrays
from vae_core.latent.aggregate import (
    auto_box,
    encode_dataset,
    grid_axes,
    log_aggregate_density,
    log_prior,
    plane_log_ratio,
)
from vae_core.latent.exact_coverage import CoverageGrid, ExactCoverage, coverage_grid, exact_from_grid
from vae_core.latent.gaps import CoverageSamples, coverage_samples, gap_stats_by_size, split_prior_samples
from vae_core.latent.manifold import decode_latents, plane_latents
from vae_core.latent.tsne import tsne_embedding, tsne_path
from vae_core.latent.views import LatentView, make_view

GRID = 200
PLANE_GRID = 140  # beyond 2-D every cell sums over all N codes in full; 140^2 cells keep that near a second
MAX_TSNE_POINTS = 3000


@st.cache_data(show_spinner="Encoding the data set…", max_entries=8)
def encodings(model_name: str, data_name: str) -> tuple[np.ndarray, np.ndarray]:
    model, data = get_model(model_name), get_dataset(data_name)
    return encode_dataset(model, data.x, data.y)


@st.cache_data(show_spinner="Projecting the latent codes…", max_entries=16)
def view(model_name: str, data_name: str, method: str, dims: tuple[int, int]) -> LatentView:
    mu, logvar = encodings(model_name, data_name)
    if method == "tsne":
        keep = view_indices(model_name, data_name, method)
        return make_view(mu[keep], logvar[keep], method, dims, tsne_coords=tsne(model_name, data_name))
    return make_view(mu, logvar, method, dims)


TSNE_LOCK = threading.Lock()


@st.cache_data(show_spinner=False, max_entries=8)
def tsne(model_name: str, data_name: str) -> np.ndarray:
    """t-SNE of an even subsample (it has no out-of-sample map); shared by every session, and on disk
    for the next process."""
    mu, _ = encodings(model_name, data_name)
    return tsne_embedding(mu[view_indices(model_name, data_name, "tsne")], seed=0)


def tsne_with_progress(model_name: str, data_name: str) -> None:
    """Compute (or fetch) the t-SNE with a progress bar, before the map asks for the view.

    The computation runs outside st.cache_data on purpose: a cached function replays the elements it
    touched, and the bar belongs to this run's layout. The library writes its disk cache, which the
    cached tsne() then reads, so the work is still done once."""
    if tsne_is_cached(model_name, data_name):
        return
    bar = st.empty()

    def progress(fraction: float) -> None:
        bar.progress(fraction, text=f"t-SNE of {MAX_TSNE_POINTS:,} codes: {100 * fraction:.0f}% "
                     "(once per model and data set; later visitors reuse it)")

    mu, _ = encodings(model_name, data_name)
    with TSNE_LOCK:  # two visitors arriving at once compute it once; the second reads the disk cache
        tsne_embedding(mu[view_indices(model_name, data_name, "tsne")], seed=0, progress=progress)
    bar.empty()


def tsne_is_cached(model_name: str, data_name: str) -> bool:
    mu, _ = encodings(model_name, data_name)
    return tsne_path(np.asarray(mu[view_indices(model_name, data_name, "tsne")], dtype=np.float64)).exists()


def view_indices(model_name: str, data_name: str, method: str) -> np.ndarray:
    """Which data points a view shows (all of them, except for a subsampled t-SNE)."""
    n = len(encodings(model_name, data_name)[0])
    if method == "tsne" and n > MAX_TSNE_POINTS:
        return np.linspace(0, n - 1, MAX_TSNE_POINTS).astype(int)
    return np.arange(n)


@st.cache_data(show_spinner="Evaluating log q(z) - log p(z) on the plane…", max_entries=16)
def density(model_name: str, data_name: str, method: str, dims: tuple[int, int], grid: int = GRID):
    """The full-space log q(z) - log p(z) at z = basis^T (x, y), the same quantity a click and the
    prior-hole mass use; for a 2-D latent the plane is the whole space."""
    v = view(model_name, data_name, method, dims)
    lo, hi = auto_box(v.coords)
    if v.method == "identity":
        xs, ys = grid_axes(lo, hi, grid)
        log_q, log_p = v.log_density_grid(xs, ys)
        return xs, ys, log_q - log_p
    xs, ys = grid_axes(lo, hi, min(grid, PLANE_GRID))
    mu, logvar = encodings(model_name, data_name)

    def compute():
        gx, gy = np.meshgrid(xs, ys)
        ratio = plane_log_ratio(np.column_stack([gx.ravel(), gy.ravel()]), v.basis, mu, logvar)
        return {"ratio": ratio.reshape(len(ys), len(xs))}

    # Seconds beyond 2-D and the same for every visitor: kept on disk for the next server process too.
    key = array_key("plane_log_ratio-v1", mu, logvar, np.asarray(v.basis), xs, ys)
    return xs, ys, disk_cached_arrays("latent-map", key, compute)["ratio"]


@st.cache_data(show_spinner="Recomputing the gap figures for N = 1,000, 2,000, 5,000 codes…", max_entries=16)
def stats_by_size(model_name: str, data_name: str, tau: float) -> list[dict]:
    mu, logvar = encodings(model_name, data_name)
    sizes = [n for n in (1000, 2000, 5000, 10_000) if n < len(mu)] + [len(mu)]
    return gap_stats_by_size(mu, logvar, sizes, tau)


@st.cache_data(show_spinner="Sampling the prior and q(z)…", max_entries=8)
def coverage(model_name: str, data_name: str, n_samples: int = 10_000) -> CoverageSamples:
    """The gap figures' Monte Carlo samples: seconds for a 16-D model, so also kept on disk."""
    mu, logvar = encodings(model_name, data_name)

    def compute():
        c = coverage_samples(mu, logvar, n_samples=n_samples, seed=0)
        return {"prior": c.prior_log_ratio, "aggregate": c.aggregate_log_ratio, "average_kl": np.float64(c.average_kl)}

    got = disk_cached_arrays("latent-map", array_key("coverage-v1", mu, logvar, n_samples, 0), compute)
    return CoverageSamples(np.asarray(got["prior"]), np.asarray(got["aggregate"]), float(got["average_kl"]))


@st.cache_resource(show_spinner="Integrating q(z) over the 2-D latent…", max_entries=4)
def exact_grid(model_name: str, data_name: str) -> CoverageGrid:
    """log q(z) and log p(z) on the quadrature grid of a 2-D latent (vae_core.latent.exact_coverage): seconds,
    the same for every visitor, so also kept on disk; the tau slider only re-thresholds it. A resource, not
    data: the page reads it and never changes it, and copying 10 MB per rerun would cost more than the
    thresholding."""
    mu, logvar = encodings(model_name, data_name)

    def compute():
        g = coverage_grid(mu, logvar)
        return {"axis": g.axis, "log_q": g.log_q, "log_p": g.log_p, "average_kl": np.float64(g.average_kl)}

    got = disk_cached_arrays("latent-map", array_key("coverage-grid-v1", mu, logvar), compute)
    return CoverageGrid(np.asarray(got["axis"]), np.asarray(got["log_q"]), np.asarray(got["log_p"]),
                        float(got["average_kl"]))


@st.cache_data(show_spinner=False, max_entries=64)
def exact_figures(model_name: str, data_name: str, tau: float) -> ExactCoverage:
    return exact_from_grid(exact_grid(model_name, data_name), tau)


@st.cache_data(show_spinner=False, max_entries=8)
def strip(model_name: str, data_name: str, n: int = 400):
    """The 1-D case: log q(z) and log p(z) along a line."""
    mu, logvar = encodings(model_name, data_name)
    lo = min(-4.0, float(np.percentile(mu, 0.5)) - 0.5)
    hi = max(4.0, float(np.percentile(mu, 99.5)) + 0.5)
    zs = np.linspace(lo, hi, n)
    return zs, log_aggregate_density(zs[:, None], mu, logvar), log_prior(zs[:, None])


@st.cache_data(show_spinner=False, max_entries=32)
def prior_split(model_name: str, data_name: str, tau: float, seed: int):
    mu, logvar = encodings(model_name, data_name)
    return split_prior_samples(mu, logvar, tau, n=16, seed=seed)


# Decoded pictures, shared by every visitor: decoding and PNG-encoding them was about a quarter of the
# server's work for each new visitor to the map (py-spy). Keyed by everything they depend on.
@st.cache_data(show_spinner=False, max_entries=32)
def prior_split_pictures(model_name: str, data_name: str, tau: float, seed: int,
                         label: int | None) -> tuple[int, bytes | None, bytes]:
    """(number in gaps, PNG of the gap samples or None, PNG of the densest samples)."""
    gap_z, dense_z, _, _ = prior_split(model_name, data_name, tau, seed)
    model = get_model(model_name)
    gaps = grid_png(decode_latents(model, gap_z, label), cols=8) if len(gap_z) else None
    return len(gap_z), gaps, grid_png(decode_latents(model, dense_z, label), cols=8)


@st.cache_data(show_spinner=False, max_entries=32)
def manifold_picture(model_name: str, basis: tuple, xs: tuple, label: int | None, scale: int) -> bytes:
    """PNG of the decoded G x G grid of the plane spanned by `basis` at coordinates `xs`."""
    model = get_model(model_name)
    xs = np.asarray(xs)
    return grid_png(decode_latents(model, plane_latents(xs, xs, np.asarray(basis)), label), cols=len(xs),
                    scale=scale)


def full_space_log_ratio(model_name: str, data_name: str, z: np.ndarray) -> float:
    """log q(z) - log p(z) at one latent, in the full latent space."""
    mu, logvar = encodings(model_name, data_name)
    z = np.asarray(z, dtype=np.float64)[None]
    return float(log_aggregate_density(z, mu, logvar)[0] - log_prior(z)[0])
