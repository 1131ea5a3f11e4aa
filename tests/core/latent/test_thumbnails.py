"""Thumbnails on a map (vae_core/latent/thumbnails.py): no two squares overlap, the choice is maximal, bounded
and seeded, and bad input gets one line."""

import numpy as np
import pytest

from vae_core.errors import ConfigError
from vae_core.latent.thumbnails import spread_thumbnails


def overlaps(points, size):
    d = np.abs(points[:, None, :] - points[None, :, :])
    hit = (d[..., 0] < size) & (d[..., 1] < size)
    np.fill_diagonal(hit, False)
    return hit


def test_no_two_kept_squares_overlap_and_every_other_point_meets_one():
    points = np.random.default_rng(1).normal(size=(3000, 2))
    size = 0.25
    kept = spread_thumbnails(points, size, limit=2000)
    assert not overlaps(points[kept], size).any()
    rest = np.setdiff1d(np.arange(len(points)), kept)
    d = np.abs(points[rest][:, None, :] - points[kept][None, :, :])
    assert ((d[..., 0] < size) & (d[..., 1] < size)).any(axis=1).all()  # maximal: none could be added
    assert 40 < len(kept) < 2000


def test_the_limit_bounds_the_choice_and_a_seed_repeats_it():
    points = np.random.default_rng(2).uniform(-10, 10, size=(5000, 2))
    kept = spread_thumbnails(points, 0.1, limit=300)
    assert len(kept) == 300 and not overlaps(points[kept], 0.1).any()
    assert np.array_equal(kept, spread_thumbnails(points, 0.1, limit=300))
    assert not np.array_equal(kept, spread_thumbnails(points, 0.1, limit=300, seed=1))


def test_points_that_are_not_finite_are_skipped():
    points = np.array([[0.0, 0.0], [np.nan, 1.0], [5.0, np.inf], [3.0, 3.0]])
    assert spread_thumbnails(points, 1.0).tolist() == [0, 3]


@pytest.mark.parametrize("points, size, limit, message", [
    (np.zeros((3, 3)), 1.0, 10, "need \\(n, 2\\) points"),
    (np.zeros((3, 2)), 0.0, 10, "positive number"),
    (np.zeros((3, 2)), float("nan"), 10, "positive number"),
    (np.zeros((3, 2)), 1.0, 0, "at most 2,000"),
    (np.zeros((3, 2)), 1.0, 10**6, "at most 2,000"),
])
def test_bad_input_gets_one_line(points, size, limit, message):
    with pytest.raises(ConfigError, match=message):
        spread_thumbnails(points, size, limit)
