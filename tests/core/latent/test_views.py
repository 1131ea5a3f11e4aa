"""Views of the latent space, the way back to z, manifold grids and the codes CSV."""

import csv
import io

import numpy as np
import pytest
from scipy.stats import norm

from vae_core.errors import ConfigError
from vae_core.latent.aggregate import density_grid, grid_axes
from vae_core.latent.codes import codes_csv
from vae_core.latent.manifold import decode_latents, grid_coordinates, plane_latents
from vae_core.latent.views import ellipse_path, make_view


def latents(n=120, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) * np.linspace(2, 0.2, d), np.log(rng.uniform(0.05, 0.3, size=(n, d)))


def test_pca_view_projects_through_the_origin_and_inverts_in_plane():
    mu, logvar = latents()
    v = make_view(mu, logvar, "pca")
    np.testing.assert_allclose(v.basis @ v.basis.T, np.eye(2), atol=1e-10)
    np.testing.assert_allclose(v.coords, mu @ v.basis.T)
    z, index = v.to_latent((0.7, -0.3), mu)
    assert index is None
    np.testing.assert_allclose(z @ v.basis.T, [0.7, -0.3], atol=1e-12)
    # Projected covariances are W diag(sigma^2) W^T, so the view's density still integrates to 1.
    xs, ys = grid_axes((-10, -10), (10, 10), 120)
    mass = np.exp(density_grid(v.coords, v.spread, xs, ys)).sum() * (xs[1] - xs[0]) * (ys[1] - ys[0])
    assert abs(mass - 1) < 1e-2


def test_dims_view_is_the_marginal_and_identity_for_2d():
    mu, logvar = latents()
    v = make_view(mu, logvar, "dims", dims=(3, 1))
    np.testing.assert_array_equal(v.coords, mu[:, [3, 1]])
    z, _ = v.to_latent((1.0, 2.0), mu)
    np.testing.assert_array_equal(z, [0, 2.0, 0, 1.0, 0])
    two = make_view(mu[:, :2], logvar[:, :2], "tsne")  # 2-D latents ignore the method
    assert two.method == "identity"
    with pytest.raises(ConfigError, match="different dimensions"):
        make_view(mu, logvar, "dims", dims=(2, 2))
    with pytest.raises(ConfigError, match="1-D"):
        make_view(mu[:, :1], logvar[:, :1])
    with pytest.raises(ConfigError, match="unknown view"):
        make_view(mu, logvar, "umap")


def test_tsne_view_decodes_the_nearest_data_point():
    mu, logvar = latents(n=60)
    v = make_view(mu, logvar, "tsne")
    assert not v.linear and v.coords.shape == (60, 2)
    z, index = v.to_latent(v.coords[17] + 1e-6, mu)
    assert index == 17
    np.testing.assert_array_equal(z, mu[17])
    with pytest.raises(ConfigError, match="no aggregate-posterior density"):
        v.log_density_grid(np.zeros(3), np.zeros(3))


def test_ellipse_is_one_sigma():
    cov = np.array([[2.0, 0.6], [0.6, 0.5]])
    path = ellipse_path([1.0, -1.0], cov, n_points=64) - [1.0, -1.0]
    mahalanobis = np.einsum("ni,ij,nj->n", path, np.linalg.inv(cov), path)
    np.testing.assert_allclose(mahalanobis, 1.0, rtol=1e-9)


def test_grid_coordinates_linear_and_inverse_cdf():
    np.testing.assert_allclose(grid_coordinates(-2, 2, 5), [-2, -1, 0, 1, 2])
    z = grid_coordinates(-2, 2, 9, "inverse-cdf")
    np.testing.assert_allclose(z[[0, -1]], [-2, 2])
    np.testing.assert_allclose(np.diff(norm.cdf(z)), np.diff(norm.cdf(z))[0])  # equal prior mass per step
    for bad in [(-2, 2, 1, "linear"), (2, -2, 5, "linear"), (-2, 2, 5, "log")]:
        with pytest.raises(ConfigError):
            grid_coordinates(*bad)


def test_plane_latents_put_high_y_on_the_top_row(tiny_model):
    z = plane_latents(np.array([-1.0, 1.0]), np.array([-2.0, 2.0]), np.eye(2))
    np.testing.assert_array_equal(z, [[-1, 2], [1, 2], [-1, -2], [1, -2]])
    images = decode_latents(tiny_model, z)
    assert images.shape == (4, 4, 4)


def test_codes_csv_has_index_class_mu_sigma():
    mu, logvar = np.array([[0.5, -1.0], [2.0, 0.0]]), np.log(np.array([[0.25, 1.0], [4.0, 0.01]]))
    rows = list(csv.reader(io.StringIO(codes_csv(mu, logvar, np.array([1, 0]), ("zero", "one")))))
    assert rows[0] == ["index", "class", "mu_1", "mu_2", "sigma_1", "sigma_2"]
    assert rows[1] == ["0", "one", "0.5", "-1", "0.5", "1"]
    assert rows[2] == ["1", "zero", "2", "0", "2", "0.1"]
