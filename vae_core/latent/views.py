"""Two-dimensional views of a latent space, and the way back from a view to z.

A view maps every encoder mean to a point in the plane. For linear views (two
chosen dimensions, or PCA) each q(z|x_i) maps to an exact 2-D Gaussian, so the
view has an exact aggregate-posterior density, and a clicked point maps back to
a latent z. t-SNE is not linear: it has no density, and a click decodes the
nearest data point instead, which the page says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .aggregate import density_grid, log_prior

METHODS = ("dims", "pca", "tsne")


@dataclass(frozen=True)
class LatentView:
    method: str                       # "identity" for 2-D latents, else one of METHODS
    coords: np.ndarray                # (N, 2) the means in the plane
    spread: np.ndarray | None         # (N, 2) log-variances or (N, 2, 2) covariances; None for t-SNE
    basis: np.ndarray | None          # (2, D) rows spanning the plane through the origin; None for t-SNE
    axis_titles: tuple[str, str]
    explained: tuple[float, float] | None = None   # PCA's explained-variance ratios

    @property
    def linear(self) -> bool:
        return self.basis is not None

    def to_latent(self, point, mu: np.ndarray) -> tuple[np.ndarray, int | None]:
        """The latent z behind a point in the plane, and the data index used, if any.

        Linear views return z = basis^T point: the other directions sit at 0, the
        prior's mean. t-SNE returns mu of the nearest data point.
        """
        point = np.asarray(point, dtype=np.float64).reshape(-1)
        if len(point) != self.coords.shape[1]:
            raise ConfigError(f"expected a point with {self.coords.shape[1]} coordinates, got {len(point)}")
        if self.linear:
            return point @ self.basis, None
        index = int(np.argmin(np.sum((self.coords - point) ** 2, axis=1)))
        return np.asarray(mu[index], dtype=np.float64), index

    def log_density_grid(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log q and log p of the view on the grid xs x ys (rows index ys)."""
        if not self.linear:
            raise ConfigError("t-SNE is not a linear map, so it has no aggregate-posterior density")
        log_q = density_grid(self.coords, self.spread, xs, ys)
        gx, gy = np.meshgrid(xs, ys)
        # The basis is orthonormal, so the prior projects to N(0, I) in the plane.
        log_p = log_prior(np.column_stack([gx.ravel(), gy.ravel()])).reshape(log_q.shape)
        return log_q, log_p


def _check_latents(mu: np.ndarray, logvar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu, logvar = np.asarray(mu, np.float64), np.asarray(logvar, np.float64)
    if mu.ndim != 2 or mu.shape != logvar.shape or len(mu) == 0:
        raise ConfigError(f"expected matching non-empty (N, D) means and log-variances, "
                          f"got {mu.shape} and {logvar.shape}")
    return mu, logvar


def make_view(mu, logvar, method: str = "pca", dims: tuple[int, int] = (0, 1), tsne_seed: int = 0,
              tsne_coords=None) -> LatentView:
    mu, logvar = _check_latents(mu, logvar)
    d = mu.shape[1]
    if d < 2:
        raise ConfigError("a 1-D latent has no 2-D view; show its density strip instead")
    if d == 2:
        return LatentView("identity", mu, logvar, np.eye(2), ("z1", "z2"))
    if method == "dims":
        i, j = dims
        if not (0 <= i < d and 0 <= j < d) or i == j:
            raise ConfigError(f"choose two different dimensions between 1 and {d}, got {i + 1} and {j + 1}")
        return LatentView("dims", mu[:, [i, j]], logvar[:, [i, j]], np.eye(d)[[i, j]], (f"z{i + 1}", f"z{j + 1}"))
    if method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, svd_solver="full").fit(mu)
        basis = pca.components_
        # Project through the origin, not the data mean, so the prior stays N(0, I) in the plane;
        # each q(z|x_i) projects to N(W mu_i, W diag(sigma_i^2) W^T).
        cov = np.einsum("ad,nd,bd->nab", basis, np.exp(logvar), basis)
        ratio = tuple(float(r) for r in pca.explained_variance_ratio_)
        return LatentView("pca", mu @ basis.T, cov, basis, ("PC1", "PC2"), ratio)
    if method == "tsne":
        from .tsne import tsne_embedding

        coords = tsne_embedding(mu, seed=tsne_seed) if tsne_coords is None else np.asarray(tsne_coords)
        if coords.shape != (len(mu), 2):
            raise ConfigError(f"t-SNE coordinates must be ({len(mu)}, 2), got {coords.shape}")
        return LatentView("tsne", coords, None, None, ("t-SNE 1", "t-SNE 2"))
    raise ConfigError(f"unknown view {method!r}; choose one of {', '.join(METHODS)}")


def ellipse_path(center, spread, n_points: int = 40, scale: float = 1.0) -> np.ndarray:
    """Points on the scale-sigma ellipse of a 2-D Gaussian; spread is (2,) log-variances or a (2, 2) covariance."""
    spread = np.asarray(spread, dtype=np.float64)
    cov = np.diag(np.exp(spread)) if spread.ndim == 1 else spread
    vals, vecs = np.linalg.eigh(cov)
    t = np.linspace(0, 2 * np.pi, n_points)
    circle = np.stack([np.cos(t), np.sin(t)])
    return (vecs @ (np.sqrt(np.maximum(vals, 0))[:, None] * circle)).T * scale + np.asarray(center)


def ellipses_trace(coords, spread, indices, n_points: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """All chosen ellipses as one polyline with NaN breaks, so Plotly draws them as a single trace."""
    xs, ys = [], []
    for i in indices:
        path = ellipse_path(coords[i], spread[i], n_points)
        xs.extend([*path[:, 0], np.nan])
        ys.extend([*path[:, 1], np.nan])
    return np.asarray(xs), np.asarray(ys)
