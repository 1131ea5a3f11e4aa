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
    assert payload["scale"] == 6 and payload["caption"] == "a caption"  # 8 px images raised to 48 px


def test_the_pixels_are_those_of_the_images_not_a_rescaled_copy():
    images = np.zeros((2, 28, 28), dtype=np.float32)
    images[1, 5, 7] = 1.0
    payload = grid_payload(ImageRow(images, "", cols=2))
    pixels = np.frombuffer(base64.b64decode(payload["pixels"]), dtype=np.uint8).reshape(payload["height"], -1)
    assert pixels[1 + 5, 1 + 29 + 7] == 255 and (pixels == 255).sum() == 1  # the browser scales it, not Python


def test_small_digits_are_shown_large_enough_to_read():
    """A row of eight 8 x 8 digits was 160 px wide at scale 3; each image is now at least MIN_IMAGE_PX wide,
    and 28 x 28 images keep their scale."""
    import numpy as np

    from app.common.live_images import MIN_IMAGE_PX, ImageRow, grid_payload

    small = grid_payload(ImageRow(np.zeros((16, 8, 8)), "digits", cols=8, scale=3))
    assert small["scale"] * 8 >= MIN_IMAGE_PX and small["width"] * small["scale"] >= 8 * MIN_IMAGE_PX
    assert grid_payload(ImageRow(np.zeros((8, 28, 28)), "mnist", cols=8, scale=3))["scale"] == 3
