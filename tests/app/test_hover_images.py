"""The hover sheet: every image lands in its own tile, the sheet is bounded, and a large data set is
subsampled evenly with its first and last images kept."""

import io

import numpy as np
from PIL import Image

from app.common.hover_images import MAX_HOVER_IMAGES, SPRITE_COLUMNS, hover_indices, sprite_png


def test_each_image_is_its_own_tile_row_by_row():
    rng = np.random.default_rng(0)
    images = rng.random((253, 28, 28)).astype(np.float32)
    sheet = np.asarray(Image.open(io.BytesIO(sprite_png(images))))
    assert sheet.shape == (3 * 28, SPRITE_COLUMNS * 28) and sheet.dtype == np.uint8
    for k in (0, 99, 100, 252):
        r, c = divmod(k, SPRITE_COLUMNS)
        tile = sheet[r * 28:(r + 1) * 28, c * 28:(c + 1) * 28]
        assert np.array_equal(tile, np.round(images[k] * 255).astype(np.uint8))
    assert not sheet[2 * 28:, 53 * 28:].any()  # after the last image: empty tiles


def test_pixels_outside_0_1_are_clipped_not_wrapped():
    images = np.array([[[-0.5, 1.7], [0.5, 1.0]]], np.float32)
    sheet = np.asarray(Image.open(io.BytesIO(sprite_png(images, cols=1))))
    assert sheet.tolist() == [[0, 255], [128, 255]]


def test_a_large_data_set_gets_an_even_bounded_subsample():
    assert hover_indices(5000).tolist() == list(range(5000))
    big = hover_indices(60_000)
    assert len(big) == MAX_HOVER_IMAGES and big[0] == 0 and big[-1] == 59_999
    assert np.all(np.diff(big) > 0)
