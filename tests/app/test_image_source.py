"""The shared image source's preprocessing and its messages (app/common/image_source.py); the widget itself
is driven on the conditional VAE and Inside pages (tests/pages/test_cvae.py, test_inside.py)."""

import io

import numpy as np
import pytest
from PIL import Image

from app.common.image_source import preprocessed_pixels, upload_error
from vae_core.errors import ImageError


def png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def test_an_unreadable_or_blank_picture_gets_the_upload_pages_one_line_message():
    with pytest.raises(ImageError, match=r"^broken\.png: "):
        preprocessed_pixels(b"not an image at all", "broken.png", (28, 28))
    for name, pixels in (("black.png", np.zeros((40, 40), np.uint8)), ("white.png", np.full((64, 64), 255, np.uint8))):
        with pytest.raises(ImageError, match=rf"^{name.replace('.', '[.]')}: "):
            preprocessed_pixels(png(pixels), name, (28, 28))


def test_a_digit_comes_out_in_the_models_shape_in_0_1():
    digit = np.full((60, 40), 255, np.uint8)
    digit[10:50, 18:23] = 0  # dark ink on white paper: a "1"
    pixels = preprocessed_pixels(png(digit), "one.png", (28, 28))
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32
    assert 0.0 <= pixels.min() and pixels.max() <= 1.0 and pixels.max() > 0.5


def test_every_message_names_the_file_once_and_a_bug_shows_no_traceback(caplog):
    assert upload_error("a.png", ImageError("a.png: the file is empty")) == "a.png: the file is empty"
    assert upload_error("a.png", ImageError("no ink found")) == "a.png: no ink found"
    with caplog.at_level("ERROR"):
        message = upload_error("a.png", ZeroDivisionError("division by zero"))
    assert message == "a.png: could not be processed (ZeroDivisionError)"
    assert caplog.records[-1].exc_info is not None  # the traceback is in the log, for whoever runs the server
