"""The training page's image rows: what the browser paints is exactly the tiled grid."""

import base64

import numpy as np

from app.common.live_images import ImageRow, grid_payload
from vae_core.images.gallery import tile_images


def test_grid_payload_carries_the_tiled_grey_pixels_and_the_size():
    rng = np.random.default_rng(0)
    images = rng.random((10, 8, 8)).astype(np.float32)
    payload = grid_payload(ImageRow(images, "a caption", cols=4, scale=3))
    grid = tile_images(images, cols=4)
    assert (payload["height"], payload["width"]) == grid.shape == (3 * 9 + 1, 4 * 9 + 1)
    pixels = np.frombuffer(base64.b64decode(payload["pixels"]), dtype=np.uint8).reshape(grid.shape)
    assert np.array_equal(pixels, grid)
    assert payload["scale"] == 3 and payload["caption"] == "a caption"


def test_the_pixels_are_those_of_the_images_not_a_rescaled_copy():
    images = np.zeros((2, 28, 28), dtype=np.float32)
    images[1, 5, 7] = 1.0
    payload = grid_payload(ImageRow(images, "", cols=2))
    pixels = np.frombuffer(base64.b64decode(payload["pixels"]), dtype=np.uint8).reshape(payload["height"], -1)
    assert pixels[1 + 5, 1 + 29 + 7] == 255 and (pixels == 255).sum() == 1  # the browser scales it, not Python
