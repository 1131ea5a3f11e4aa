"""Cheap inputs that cost a lot (issue 24, section 3): large pictures are decoded at reduced size where the
format allows, which changes nothing the preprocessing produces, and one request's files are charged their
decoded pixels together before any of them is decoded."""

import functools
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFile

from vae_core.data import imageio
from vae_core.data.imageio import (
    MAX_BATCH_PIXELS,
    MAX_WEBP_PIXELS,
    PixelBudget,
    admit_batch,
    decoded_pixels,
    open_image,
)
from vae_core.errors import ImageError
from vae_core.images.preprocess import WORK_SIZE, preprocess


def _save(img, fmt, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _photo_of_a_seven(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Dark ink on light paper, a 7 in the middle, with a stroke as wide as a pen's on a photo that size."""
    img = Image.new(mode, (width, height), (235, 232, 225) if mode == "RGB" else 232)
    ink = (30, 30, 40) if mode == "RGB" else 30
    s, cx, cy = min(width, height) / 3, width / 2, height / 2
    stroke = max(3, int(s / 9))
    draw = ImageDraw.Draw(img)
    draw.line([(cx - s / 2, cy - s / 2), (cx + s / 2, cy - s / 2), (cx - s / 6, cy + s / 2)], fill=ink, width=stroke)
    return img


def _full_decode(data: bytes) -> Image.Image:
    """Pillow's own decode at full size: no draft, no reduce."""
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


@functools.cache
def _twelve_megapixel_seven(fmt: str) -> bytes:
    return _save(_photo_of_a_seven(4000, 3000), fmt, **({"quality": 90} if fmt != "PNG" else {}))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("shape", [(28, 28), (8, 8)])
def test_a_reduced_decode_gives_the_same_model_input(fmt, shape):
    """The recipe shrinks every picture to 512 px before anything else, so a picture decoded at 1,000-1,334 px
    instead of 4,000 ends as the same 28 x 28 (or 8 x 8) input, to within a few hundredths of a grey level."""
    data = _twelve_megapixel_seven(fmt)
    reduced = open_image(data, name=f"seven.{fmt.lower()}", orient=False, max_side=WORK_SIZE)
    assert max(reduced.size) <= 1334  # decoded (JPEG) or reduced (others) well below its full size
    small = preprocess(reduced, shape).pixels
    full = preprocess(_full_decode(data), shape).pixels
    assert np.abs(small - full).max() < 0.05
    assert np.abs(small - full).mean() < 0.005


def test_how_far_each_format_is_reduced():
    big = _photo_of_a_seven(6000, 4500)
    jpeg, png = _save(big, "JPEG"), _save(big.convert("L"), "PNG")
    # JPEG: the DCT-scaled decode at 1/8, never below max_side; without max_side the old 1024 px draft.
    assert open_image(jpeg, max_side=WORK_SIZE).size == (750, 563)
    assert decoded_pixels(jpeg, "a.jpg", WORK_SIZE) == 750 * 563
    assert open_image(jpeg).size == (1500, 1125)
    # Others: decoded in full, then reduced by an integer factor keeping at least twice max_side.
    assert decoded_pixels(png, "a.png", WORK_SIZE) == 6000 * 4500
    assert open_image(png, max_side=WORK_SIZE).size == (1200, 900)
    assert open_image(png).size == (6000, 4500)
    assert open_image(_save(Image.new("L", (1500, 100), 255), "PNG"), max_side=WORK_SIZE).size == (1500, 100)


@pytest.mark.parametrize("mode", ["1", "P", "LA", "I;16", "I", "F", "CMYK"])
def test_every_mode_can_be_reduced(mode):
    fmt = "PNG" if mode in ("1", "P", "I;16") else "TIFF"
    img = open_image(_save(Image.new(mode, (4100, 300)), fmt), name=f"x.{fmt.lower()}", max_side=WORK_SIZE)
    assert img.mode == mode and img.size == (1025, 75)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_a_reduced_picture_keeps_its_exif_orientation(fmt):
    exif = Image.Exif()
    exif[imageio.ORIENTATION] = 6  # rotate 90 degrees clockwise to view
    data = _save(_photo_of_a_seven(4000, 3000), fmt, exif=exif)
    raw = open_image(data, name="turned", orient=False, max_side=WORK_SIZE)
    assert raw.width > raw.height and raw.getexif().get(imageio.ORIENTATION) == 6
    assert open_image(data, name="turned", max_side=WORK_SIZE).height > raw.height  # orient=True turns it


def _no_decoding(monkeypatch):
    def must_not_decode(self):
        raise AssertionError("nothing is decoded before a file is admitted")

    monkeypatch.setattr(ImageFile.ImageFile, "load", must_not_decode)


def test_sixty_four_huge_webps_are_refused_from_their_headers(monkeypatch):
    # The upload: 64 WebP files of 1.6 KB, each 16383 x 2400 pixels; Pillow's WebP decoder holds four
    # full-size copies, and it cost 56 s and 840 MB.
    webp = _save(Image.new("RGB", (16383, 2400), (240, 240, 240)), "WEBP", lossless=True)
    assert len(webp) < 5_000
    _no_decoding(monkeypatch)
    admitted, refused = admit_batch([(f"wide_{i:02d}.webp", webp) for i in range(64)], max_side=WORK_SIZE)
    assert admitted == [] and len(refused) == 64
    for i, message in enumerate(refused):
        assert message == (f"wide_{i:02d}.webp: 16383x2400 is too large for a WebP "
                           f"(at most {MAX_WEBP_PIXELS // 1_000_000} megapixels; save it as JPEG or PNG)")
    assert decoded_pixels(_save(Image.new("RGB", (4000, 4000)), "WEBP"), "ok.webp") == 16_000_000 == MAX_WEBP_PIXELS


def test_a_batch_of_huge_pictures_is_charged_from_the_headers_and_stops_at_the_budget(monkeypatch):
    png = _save(Image.new("L", (16383, 2400), 240), "PNG")  # 39 megapixels in 40 KB
    _no_decoding(monkeypatch)
    items = [(f"wide_{i:02d}.png", png) for i in range(64)]
    admitted, refused = admit_batch(items, max_side=WORK_SIZE)
    fits = MAX_BATCH_PIXELS // (16383 * 2400)
    assert fits == 3 and [name for name, _ in admitted] == [f"wide_{i:02d}.png" for i in range(fits)]
    assert len(refused) == 64 - fits
    for i, message in enumerate(refused, start=fits):
        assert message.startswith(f"wide_{i:02d}.png: not decoded") and "\n" not in message
        assert f"more than {MAX_BATCH_PIXELS // 1_000_000} megapixels together (39.3 for this one)" in message


def test_the_batch_goes_on_after_a_refusal_and_bad_files_are_named():
    small = _save(Image.new("L", (100, 100), 255), "PNG")
    big = _save(Image.new("L", (300, 300), 255), "PNG")
    items = [("a.png", small), ("big.png", big), ("broken.png", b"not an image"), ("b.png", small)]
    admitted, refused = admit_batch(items, limit=30_000)
    assert [name for name, _ in admitted] == ["a.png", "b.png"]
    assert refused[0].startswith("big.png: not decoded") and "0.03 megapixels" in refused[0]
    assert refused[1].startswith("broken.png: not an image")


def test_a_refused_charge_spends_nothing():
    budget = PixelBudget(limit=100)
    budget.charge("a", 60)
    with pytest.raises(ImageError, match="b: not decoded"):
        budget.charge("b", 50)
    budget.charge("c", 40)
    assert budget.spent == 100
