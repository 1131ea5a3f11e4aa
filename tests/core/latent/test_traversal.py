"""Traversal maths: KL ordering, clamping, strips, lerp and slerp (endpoints, unit norm, degenerate cases)."""

import json
import struct

import numpy as np
import pytest
import torch

from vae_core.errors import ConfigError
from vae_core.latent.browser_decoder import decoder_blob, decoder_layers, read_blob
from vae_core.latent.traversal import (
    average_kl,
    check_latent_dim,
    clamp,
    decode,
    kl_order,
    lerp,
    parse_z,
    path_densities,
    png_bytes,
    slerp,
    strip_offsets,
    strip_points,
    traversal_strips,
    z_json,
)
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE


def test_average_kl_is_the_closed_form_mean_and_orders_dimensions():
    mu = np.array([[0.0, 2.0, 0.05], [0.0, -2.0, -0.05]])
    logvar = np.array([[0.0, np.log(0.25), 0.0], [0.0, np.log(0.25), 0.0]])
    kl = average_kl(mu, logvar)
    expected = 0.5 * (mu**2 + np.exp(logvar) - logvar - 1).mean(0)
    np.testing.assert_allclose(kl, expected)
    active, inactive = kl_order(kl)
    assert active == [1] and inactive == [2, 0]  # 0.00125 nats > 0: ordered within the inactive group too
    assert kl_order([0.5, 0.5, 2.0]) == ([2, 0, 1], [])  # stable among ties


def test_clamp_reports_out_of_range_dimensions():
    z, dims = clamp([0.5, 7.0, -9.0, 4.0], 4.0)
    assert z.tolist() == [0.5, 4.0, -4.0, 4.0] and dims == [1, 2]
    with pytest.raises(ConfigError):
        clamp([np.nan, 0.0])


def test_parse_z_accepts_lists_and_rejects_wrong_sizes():
    assert parse_z("[1, -2.5, 3e-1]", 3).tolist() == [1.0, -2.5, 0.3]
    with pytest.raises(ConfigError, match="3 numbers"):
        parse_z("1, 2", 3)
    with pytest.raises(ConfigError, match="comma-separated"):
        parse_z("1, x, 2", 3)
    for bad in ("1, nan, 2", "inf, 0, 0"):
        with pytest.raises(ConfigError, match="finite"):
            parse_z(bad, 3)


def test_latent_dimension_limits():
    check_latent_dim(1)
    check_latent_dim(64)
    with pytest.raises(ConfigError, match="at most 64"):
        check_latent_dim(65)


def test_strip_points_move_one_dimension_from_the_current_z():
    z = np.array([0.3, -1.0, 2.0])
    offsets = strip_offsets(-3, 3, 7)
    pts = strip_points(z, [2, 0], offsets)
    assert pts.shape == (2, 7, 3)
    np.testing.assert_allclose(pts[0, :, 2], 2.0 + offsets)
    np.testing.assert_allclose(pts[0, :, :2], np.broadcast_to(z[:2], (7, 2)))
    np.testing.assert_allclose(pts[1, :, 0], 0.3 + offsets)
    with pytest.raises(ConfigError):
        strip_offsets(1, 1, 5)
    with pytest.raises(ConfigError):
        strip_points(z, [3], offsets)


def test_traversal_strips_equal_model_decode(tiny_model):
    z = np.array([0.5, -0.5])
    offsets = strip_offsets(-2, 2, 5)
    strips = traversal_strips(tiny_model, z, [1], offsets)
    assert strips.shape == (1, 5, 4, 4)
    pts = torch.tensor(strip_points(z, [1], offsets)[0], dtype=torch.float32)
    np.testing.assert_allclose(strips[0].reshape(5, -1), tiny_model.decode(pts).detach().numpy(), atol=1e-7)


def test_lerp_endpoints_and_midpoint():
    a, b = np.array([1.0, 0.0]), np.array([-1.0, 2.0])
    path = lerp(a, b, 5)
    assert path.shape == (5, 2)
    np.testing.assert_array_equal(path[0], a)
    np.testing.assert_array_equal(path[-1], b)
    np.testing.assert_allclose(path[2], (a + b) / 2)
    with pytest.raises(ConfigError):
        lerp(a, b, 1)
    with pytest.raises(ConfigError):
        lerp(a, np.zeros(3), 4)


def test_slerp_keeps_unit_vectors_on_the_sphere_and_hits_the_endpoints():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(16), rng.standard_normal(16)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    path = slerp(a, b, 11)
    np.testing.assert_array_equal(path[0], a)
    np.testing.assert_array_equal(path[-1], b)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-12)
    # Equal angular steps: the angle between consecutive points is constant.
    steps = np.arccos(np.clip(np.sum(path[1:] * path[:-1], axis=1), -1, 1))
    np.testing.assert_allclose(steps, steps[0], atol=1e-9)
    # The midpoint of a unit-vector slerp is the normalised sum, not the shorter lerp midpoint.
    np.testing.assert_allclose(slerp(a, b, 3)[1], (a + b) / np.linalg.norm(a + b), atol=1e-12)


def test_slerp_of_orthogonal_vectors_follows_the_quarter_circle():
    path = slerp([2.0, 0.0], [0.0, 2.0], 3)
    np.testing.assert_allclose(path[1], [np.sqrt(2), np.sqrt(2)], atol=1e-12)


@pytest.mark.parametrize("a, b", [([0.0, 0.0], [1.0, 2.0]), ([1.0, 2.0], [2.0, 4.0]), ([1.0, 2.0], [-1.0, -2.0])])
def test_slerp_falls_back_to_lerp_for_zero_and_parallel_ends(a, b):
    path = slerp(a, b, 5)
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(path, lerp(a, b, 5), atol=1e-12)


def test_path_densities_match_the_aggregate_posterior_of_one_component():
    mu, logvar = np.zeros((1, 2)), np.zeros((1, 2))
    path = lerp([0.0, 0.0], [1.0, 1.0], 3)
    log_q, log_p = path_densities(path, mu, logvar)
    np.testing.assert_allclose(log_q, log_p, atol=1e-10)  # q is N(0, I), the prior itself
    np.testing.assert_allclose(log_p[0], -np.log(2 * np.pi))


def test_decoder_blob_round_trips_the_weights_aligned(tiny_model):
    weights_id, blob = decoder_blob(tiny_model)
    header, layers = read_blob(blob)
    assert header["id"] == weights_id and header["latent_dim"] == 2 and header["num_classes"] == 0
    assert header["height"] == 4 and [(lay["rows"], lay["cols"]) for lay in header["layers"]] == [(8, 2), (16, 8)]
    for (got_w, got_b), (w, b) in zip(layers, decoder_layers(tiny_model)):
        np.testing.assert_array_equal(got_w, w)
        np.testing.assert_array_equal(got_b, b)
    (n,) = struct.unpack("<I", blob[4:8])
    assert n % 4 == 0  # the header is padded, so the float32 arrays start 4-byte aligned
    torch.manual_seed(1)
    other = VAE(tiny_model.config).eval()
    assert decoder_blob(other)[0] != weights_id  # a new model gets a new id, so the browser re-parses


def test_decoder_blob_rejects_a_non_mlp_decoder(tiny_model):
    tiny_model.decoder = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16))
    with pytest.raises(ConfigError, match="MLP"):
        decoder_blob(tiny_model)


def test_exports_png_and_json(tiny_model):
    img = decode(tiny_model, [0.0, 0.0])[0]
    png = png_bytes(img, scale=3)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(png)).size == (12, 12)
    assert json.loads(z_json("m", np.array([0.5, -1.0]), label=2)) == {"model": "m", "z": [0.5, -1.0], "label": 2}


def test_one_dimensional_and_conditional_models_decode():
    torch.manual_seed(0)
    one = VAE(VAEConfig(image_shape=(3, 3), latent_dim=1, hidden=(4,))).eval()
    assert traversal_strips(one, [0.0], [0], strip_offsets(-1, 1, 3)).shape == (1, 3, 3, 3)
    cond = VAE(VAEConfig(image_shape=(3, 3), latent_dim=2, hidden=(4,), labels=("a", "b"), conditional=True)).eval()
    assert not np.allclose(decode(cond, [0.0, 0.0], 0), decode(cond, [0.0, 0.0], 1))
