"""The outline of a masked region on a grid: every edge between a cell inside and one outside, and nothing else."""

import numpy as np
import pytest

from vae_core.latent.outline import mask_outline


def _segments(x, y):
    cuts = np.flatnonzero(np.isnan(x))
    starts = np.concatenate([[0], cuts[:-1] + 1])
    return {((x[s], y[s]), (x[s + 1], y[s + 1])) for s in starts}


def test_a_square_block_is_outlined_by_its_four_sides():
    xs = ys = np.arange(6.0)
    mask = np.zeros((6, 6), bool)
    mask[1:4, 2:5] = True  # rows 1..3 (y), columns 2..4 (x)
    segs = _segments(*mask_outline(xs, ys, mask))
    assert segs == {((1.5, 0.5), (1.5, 3.5)), ((4.5, 0.5), (4.5, 3.5)),  # left and right, joined along y
                    ((1.5, 0.5), (4.5, 0.5)), ((1.5, 3.5), (4.5, 3.5))}  # bottom and top, joined along x


def test_an_empty_or_full_mask_has_no_outline_inside_the_grid():
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-2, 2, 7)
    for mask in (np.zeros((7, 5), bool), np.ones((7, 5), bool)):
        x, y = mask_outline(xs, ys, mask)
        assert len(x) == len(y) == 0


def test_every_boundary_cell_edge_is_covered():
    rng = np.random.default_rng(0)
    mask = rng.random((20, 30)) < 0.4
    xs, ys = np.arange(30.0), np.arange(20.0)
    x, y = mask_outline(xs, ys, mask)
    total = np.nansum(np.hypot(np.diff(x), np.diff(y)))  # NaN joins drop out
    expected = (mask[:, 1:] != mask[:, :-1]).sum() + (mask[1:] != mask[:-1]).sum()  # unit edges
    assert total == pytest.approx(expected)


def test_a_mask_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="expected"):
        mask_outline(np.arange(3.0), np.arange(4.0), np.zeros((3, 4), bool))
