"""Where a new code lands among the training set's codes: a 2-D view and its neighbours.

A 2-D model is shown as it is; a larger one through the PCA plane of the
training codes, with q(z|x)'s covariance projected into that plane
(P diag(sigma^2) P^T), so the 1-sigma ellipse is the projection's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ..errors import ConfigError


@dataclass
class Projection:
    mean: np.ndarray  # (D,)
    axes: np.ndarray  # (2, D), orthonormal rows
    explained: np.ndarray  # (2,) fraction of the codes' variance along each axis

    @classmethod
    def fit(cls, codes: np.ndarray) -> Projection:
        codes = np.asarray(codes, dtype=np.float64)
        d = codes.shape[1]
        if d == 2:  # the latent plane itself: no rotation, so axes read z1, z2
            return cls(mean=np.zeros(2), axes=np.eye(2), explained=np.ones(2))
        mean = codes.mean(0)
        _, s, vt = np.linalg.svd(codes - mean, full_matrices=False)
        var = s ** 2
        return cls(mean=mean, axes=vt[:2], explained=var[:2] / var.sum())

    @property
    def identity(self) -> bool:
        return self.axes.shape[1] == 2 and np.array_equal(self.axes, np.eye(2))

    def points(self, z: np.ndarray) -> np.ndarray:
        return (np.asarray(z, dtype=np.float64) - self.mean) @ self.axes.T

    def covariance(self, sigma: np.ndarray) -> np.ndarray:
        """2x2 covariance of the projected Gaussian N(mu, diag(sigma^2))."""
        return (self.axes * np.asarray(sigma, dtype=np.float64) ** 2) @ self.axes.T


def ellipse(centre: np.ndarray, cov: np.ndarray, n: int = 64) -> np.ndarray:
    """(n, 2) points on the 1-sigma contour {x : (x-c)^T cov^-1 (x-c) = 1}."""
    vals, vecs = np.linalg.eigh(np.asarray(cov, dtype=np.float64))
    t = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)], 1)
    return np.asarray(centre) + (circle * np.sqrt(np.maximum(vals, 0))) @ vecs.T


@dataclass
class Neighbours:
    index: np.ndarray  # (k,) rows of the training set, nearest first
    distance: np.ndarray
    guess: int  # class index with the most votes (ties: the nearer neighbour's class)
    share: float  # its fraction of the k votes


class LatentIndex:
    """Nearest training codes in latent space (Euclidean on encoder means)."""

    def __init__(self, codes: np.ndarray, labels: np.ndarray):
        codes = np.asarray(codes, dtype=np.float32)
        if len(codes) != len(labels) or len(codes) == 0:
            raise ConfigError(f"need one label per code, got {len(codes)} codes and {len(labels)} labels")
        self.labels = np.asarray(labels)
        self._nn = NearestNeighbors().fit(codes)

    def query(self, z: np.ndarray, k: int = 8) -> list[Neighbours]:
        z = np.atleast_2d(np.asarray(z, dtype=np.float32))
        dist, idx = self._nn.kneighbors(z, n_neighbors=min(k, len(self.labels)))
        return [self._vote(i, d) for i, d in zip(idx, dist)]

    def _vote(self, idx: np.ndarray, dist: np.ndarray) -> Neighbours:
        votes = self.labels[idx]
        counts = np.bincount(votes)
        best = np.flatnonzero(counts == counts.max())
        # Ties go to the class whose member is nearest, not to the smaller label.
        guess = next(int(v) for v in votes if v in best)
        return Neighbours(index=idx, distance=dist, guess=guess, share=float(counts[guess] / len(votes)))

    def classify(self, z: np.ndarray, k: int = 8) -> np.ndarray:
        return np.array([n.guess for n in self.query(z, k)])
