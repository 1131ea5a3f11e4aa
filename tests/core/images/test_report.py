"""vae_core.images.report and vae_core.latent.placement: the numbers the upload page shows."""

import csv
import io

import numpy as np
import pytest
import torch

from vae_core.images.report import encode_images, error_map_rgb, ood_threshold, percentile_of, reference_log_px, to_csv
from vae_core.latent.placement import LatentIndex, Projection, ellipse
from vae_core.vae.objectives import elbo_terms


def test_a_2d_model_is_shown_in_its_own_plane():
    p = Projection.fit(np.random.default_rng(0).normal(size=(50, 2)))
    assert p.identity
    z = np.array([[1.5, -2.0]])
    assert np.allclose(p.points(z), z)
    assert np.allclose(p.covariance([0.5, 2.0]), np.diag([0.25, 4.0]))


def test_pca_projection_finds_the_main_axes_and_projects_the_covariance():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(2000, 4)) * np.array([5.0, 0.1, 2.0, 0.1])
    p = Projection.fit(codes)
    assert not p.identity
    assert np.allclose(p.axes @ p.axes.T, np.eye(2), atol=1e-9)
    assert abs(p.axes[0, 0]) > 0.99 and abs(p.axes[1, 2]) > 0.99  # the two wide dimensions, widest first
    assert p.explained[0] > p.explained[1] > 0.1
    cov = p.covariance(np.array([1.0, 1.0, 3.0, 1.0]))
    assert np.allclose(np.diag(cov), [1.0, 9.0], atol=0.05)


def test_ellipse_points_lie_on_the_one_sigma_contour():
    cov = np.array([[4.0, 1.0], [1.0, 1.0]])
    pts = ellipse(np.array([1.0, -1.0]), cov, n=32)
    d = pts - [1.0, -1.0]
    assert np.allclose(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d), 1.0)


def test_knn_vote_share_and_tie_break_by_the_nearest():
    codes = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    index = LatentIndex(codes, np.array([3, 3, 5, 7, 7]))
    nb = index.query([[0.4]], k=3)[0]
    assert list(nb.index) == [0, 1, 2] and nb.guess == 3 and nb.share == pytest.approx(2 / 3)
    tie = index.query([[1.9]], k=2)[0]  # one vote each for 5 (nearest) and 3
    assert tie.guess == 5 and tie.share == 0.5
    assert list(index.classify([[0.0], [10.6]], k=1)) == [3, 7]


def test_percentile_and_ood_threshold():
    ref = np.sort(np.arange(100.0))
    assert percentile_of(-5.0, ref) == 0.0
    assert percentile_of(49.0, ref) == 50.0
    assert ood_threshold(ref) == pytest.approx(0.99)


def test_encoded_figures_are_consistent(tiny_model):
    pixels = np.random.default_rng(0).random((3, 4, 4)).astype(np.float32)
    enc = encode_images(tiny_model, pixels, k=64)
    again = encode_images(tiny_model, pixels, k=64)
    x = torch.from_numpy(pixels).reshape(3, -1)
    with torch.no_grad():
        mu, logvar = tiny_model.encode(x)
    for i, e in enumerate(enc):
        assert np.allclose(e.mu, mu[i].numpy(), atol=1e-6)
        assert np.allclose(e.sigma, np.exp(0.5 * logvar[i].numpy()), atol=1e-6)
        assert e.elbo == pytest.approx(e.rec_term - e.kl)
        assert e.gap == pytest.approx(e.iw_log_px - e.elbo)
        assert e.k == 64 and e.self_consistency >= 0
        assert e.kl == pytest.approx(0.5 * float((mu[i] ** 2 + logvar[i].exp() - logvar[i] - 1).sum()), rel=1e-5)
        assert np.allclose(e.error, e.reconstruction - pixels[i])
        assert e.iw_log_px == again[i].iw_log_px  # seeded: a rerun shows the same numbers
    # the IW bound is above the ELBO on average (tight Monte Carlo on the ELBO side)
    torch.manual_seed(1)
    with torch.no_grad():
        elbo = float(elbo_terms(tiny_model, x, samples=200).elbo.mean())
    assert np.mean([e.iw_log_px for e in enc]) >= elbo - 0.05


def test_reference_values_come_sorted_from_a_subset(tiny_model):
    x = np.random.default_rng(1).random((40, 16)).astype(np.float32)
    ref = reference_log_px(tiny_model, x, n=25, k=16, batch=10)
    assert ref.shape == (25,) and np.all(np.diff(ref) >= 0) and np.all(ref < 0)


def test_csv_has_one_row_per_upload_with_codes():
    rows = [{"file": "a.png", "model": "m", "elbo": -90.5, "iw_log_px": -88.0, "k": 256, "out_of_distribution": False,
             "knn_guess": "7", "knn_vote_share": 0.75, "mu": [0.5, -1.0], "sigma": [0.1, 0.2]},
            {"file": "b,c.jpg", "model": "m", "elbo": -120.0, "mu": [1.0, 2.0], "sigma": [0.3, 0.4]}]
    table = list(csv.DictReader(io.StringIO(to_csv(rows).decode())))
    assert [r["file"] for r in table] == ["a.png", "b,c.jpg"]
    assert float(table[0]["mu_2"]) == -1.0 and float(table[1]["sigma_1"]) == 0.3
    assert table[0]["k"] == "256" and table[0]["knn_vote_share"] == "0.75"


def test_error_map_colours_excess_red_and_missing_blue():
    rgb = error_map_rgb(np.array([[0.5, -1.0, 0.0]]), scale=2)
    assert rgb.shape == (2, 6, 3)
    assert rgb[0, 0, 0] > 100 and rgb[0, 0, 2] == 0
    assert rgb[0, 2, 2] == 255 and rgb[0, 2, 0] == 0
    assert rgb[0, 4].sum() == 0
