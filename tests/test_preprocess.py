import io

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from vae_core.errors import ImageError
from vae_core.imageio import open_image
from vae_core.preprocess import crop_to_ink, ink_image, mnist_style, to_grayscale


def _photo(size=(200, 300), box=(60, 50, 90, 220), ink=30, paper=230):
    arr = np.full(size[::-1], paper, dtype=np.uint8)
    x0, y0, x1, y1 = box
    arr[y0:y1, x0:x1] = ink
    return Image.fromarray(arr)


def test_a_photo_becomes_an_mnist_like_digit():
    out = mnist_style(_photo())
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() == 0.0 and out.max() > 0.9  # white ink on black, like MNIST
    cy, cx = ndimage.center_of_mass(out)
    assert abs(cy - 13.5) < 0.5 and abs(cx - 13.5) < 0.5
    rows, cols = np.nonzero(out > 0.05)
    assert rows.max() - rows.min() + 1 <= 22  # the longer side was fitted to 20 px


def test_light_ink_on_dark_is_not_inverted_and_override_works():
    dark_paper = Image.fromarray(255 - np.asarray(_photo()))
    auto = mnist_style(dark_paper)
    assert auto.max() > 0.9 and auto[0, 0] == 0
    forced = ink_image(to_grayscale(_photo()), invert=False)
    assert forced[0, 0] > 0.5  # paper treated as ink when the user says so


def test_digits_size_gets_the_same_recipe():
    out = mnist_style(_photo(), image_shape=(8, 8))
    assert out.shape == (8, 8) and out.max() > 0.3
    cy, cx = ndimage.center_of_mass(out)
    assert abs(cy - 3.5) < 0.5 and abs(cx - 3.5) < 0.5


@pytest.mark.parametrize("value", [0, 255])
def test_blank_images_say_there_is_no_ink(value):
    with pytest.raises(ImageError, match="no ink"):
        mnist_style(Image.new("L", (50, 50), value))


def test_crop_without_ink_is_an_error():
    with pytest.raises(ImageError, match="nothing to crop"):
        crop_to_ink(np.zeros((5, 5)))


def test_transparency_is_flattened_onto_white():
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    rgba.paste((0, 0, 0, 255), (15, 5, 25, 35))
    gray = to_grayscale(rgba)
    assert gray[0, 0] == 1.0 and gray[20, 20] == 0.0


def _png_bytes(img):
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"hello, not an image", "not an image"),
    (_png_bytes(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)))[:900],
     "damaged or truncated"),
])
def test_open_image_rejects_bad_bytes(data, message):
    with pytest.raises(ImageError, match=message):
        open_image(data, name="upload.png")
