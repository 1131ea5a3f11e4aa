"""Every kind of bad or awkward file a person can upload: each gets a one-line
message naming the file, and the awkward-but-valid ones are encoded."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from vae_core.data.imageio import MAX_PIXELS, open_image
from vae_core.errors import ImageError
from vae_core.images.preprocess import preprocess


def _digit(size=120, ink=20, paper=235):
    arr = np.full((size, size), paper, dtype=np.uint8)
    arr[size // 6: -size // 6, size // 2 - size // 20: size // 2 + size // 20] = ink
    return arr


def _save(img, fmt, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _bomb_png(width=50_000, height=50_000) -> bytes:
    """A valid PNG header that claims width x height pixels, in a few dozen bytes."""
    data = _save(Image.new("L", (1, 1)), "PNG")
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return data[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[33:]


def _animated_gif() -> bytes:
    frames = [Image.fromarray(_digit()), Image.fromarray(255 - _digit())]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _noisy_png() -> bytes:
    return _save(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)), "PNG")


def _noisy_jpeg() -> bytes:
    return _save(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)), "JPEG")


BAD = {
    "empty.png": (b"", "the file is empty"),
    "notes.png": (b"hello, this is a text file\n" * 20, "not an image in a supported format"),
    "cut.png": (_noisy_png()[:900], "damaged or truncated"),
    "cut.jpg": (_noisy_jpeg()[:700], "damaged or truncated"),
    "anim.gif": (_animated_gif(), "animated images are not supported"),
    "bomb.png": (_bomb_png(), "decompression bomb"),
    "digit.pcx": (_save(Image.fromarray(_digit()), "PCX"), "not an image in a supported format"),
    "digit.tga": (_save(Image.fromarray(_digit()), "TGA"), "not an image in a supported format"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_files_get_one_line_messages_naming_the_file(name):
    data, message = BAD[name]
    with pytest.raises(ImageError, match=message) as info:
        open_image(data, name=name)
    text = str(info.value)
    assert text.startswith(f"{name}: ") and "\n" not in text


def test_the_pixel_limit_is_checked_before_decoding():
    assert len(_bomb_png()) < 100  # a 2.5-gigapixel claim in under 100 bytes
    with pytest.raises(ImageError, match=f"at most {MAX_PIXELS // 1_000_000} megapixels"):
        open_image(_bomb_png(8_000, 6_000), name="big.png")
    with pytest.raises(ImageError, match="damaged or truncated"):  # a small claim passes the size check
        open_image(_bomb_png(100, 100), name="small.png")  # ...and then its missing pixel data is found


@pytest.mark.parametrize("value", [0, 255])
def test_all_white_and_all_black_images_say_there_is_no_ink(value):
    img = open_image(_save(Image.new("L", (80, 80), value), "PNG"), name="blank.png")
    with pytest.raises(ImageError, match="no ink"):
        preprocess(img)


def test_a_10000_by_10000_jpeg_is_decoded_at_reduced_scale_and_encoded():
    big = Image.new("L", (10_000, 10_000), 235)
    big.paste(20, (4_500, 2_000, 5_500, 8_000))
    data = _save(big, "JPEG", quality=75)
    del big
    img = open_image(data, name="huge.jpg")
    assert max(img.size) <= 2_048  # JPEG draft mode: never 100 megapixels in memory
    out = preprocess(img).pixels
    assert out.shape == (28, 28) and out.max() > 0.9


def _ink_ok(img):
    out = preprocess(img).pixels
    assert out.shape == (28, 28) and out.max() > 0.9 and out[0, 0] == 0
    return out


def test_16_bit_png_is_scaled_from_its_full_range():
    arr16 = (_digit().astype(np.uint16) * 257)
    img = open_image(_save(Image.fromarray(arr16), "PNG"), name="deep.png")
    assert img.mode.startswith("I")
    assert np.allclose(_ink_ok(img), preprocess(Image.fromarray(_digit())).pixels, atol=0.02)


def test_palette_image_is_encoded():
    img = open_image(_save(Image.fromarray(_digit()).convert("P"), "PNG"), name="pal.png")
    assert img.mode == "P"
    _ink_ok(img)


def test_cmyk_jpeg_is_encoded():
    rgb = Image.fromarray(np.stack([_digit()] * 3, -1))
    img = open_image(_save(rgb.convert("CMYK"), "JPEG"), name="print.jpg")
    assert img.mode == "CMYK"
    _ink_ok(img)


def test_transparent_png_with_black_ink_is_flattened_onto_white():
    rgba = np.zeros((120, 120, 4), dtype=np.uint8)  # fully transparent black paper...
    rgba[20:100, 55:65] = (0, 0, 0, 255)  # ...with an opaque black stroke
    img = open_image(_save(Image.fromarray(rgba), "PNG"), name="clear.png")
    out = _ink_ok(img)  # without flattening, all of it would read as black: "no ink"
    assert out.sum() > 20
