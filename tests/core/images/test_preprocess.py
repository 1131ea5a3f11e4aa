"""Each step of the MNIST recipe in vae_core.images.preprocess, on small synthetic pictures."""

import io

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from vae_core.data.imageio import open_image
from vae_core.errors import ImageError
from vae_core.images.preprocess import (
    PREVIEW_SIZE,
    WORK_SIZE,
    centre_by_mass,
    clean_ink,
    crop_to_ink,
    fit_box,
    mnist_style,
    orient,
    preprocess,
    to_grayscale,
)


def _photo(size=(200, 300), box=(60, 50, 90, 220), ink=30, paper=230):
    arr = np.full(size[::-1], paper, dtype=np.uint8)
    x0, y0, x1, y1 = box
    arr[y0:y1, x0:x1] = ink
    return Image.fromarray(arr)


def test_a_photo_becomes_an_mnist_like_digit():
    out = mnist_style(_photo())
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() == 0.0 and out.max() > 0.9  # white ink on black, like MNIST
    rows, cols = np.nonzero(out > 0.05)
    assert rows.max() - rows.min() + 1 <= 22  # the longer side was fitted to 20 px


def test_step_1_applies_the_exif_orientation_tag():
    img = _photo(size=(60, 100), box=(10, 10, 20, 90))  # 60 wide, 100 tall
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    raw = open_image(buf.getvalue(), orient=False)
    assert raw.size == (60, 100)
    turned, note = orient(raw)
    assert turned.size == (100, 60) and "6" in note
    assert open_image(buf.getvalue()).size == (100, 60)  # the default (CLI, folder data sets) orients too


def test_step_1_shrinks_large_pictures_to_the_working_size():
    img, note = orient(Image.new("L", (3000, 1500), 255))
    assert img.size == (WORK_SIZE, WORK_SIZE // 2) and "shrunk" in note


def test_step_2_grayscale_of_16_bit_palette_and_cmyk():
    deep = Image.fromarray(np.full((4, 4), 65535 // 2, dtype=np.uint16))
    assert deep.mode.startswith("I")
    assert np.allclose(to_grayscale(deep), 0.5, atol=1e-3)  # scaled by 2^16 - 1, not by its own maximum
    pal = Image.new("L", (4, 4), 200).convert("P")
    assert np.allclose(to_grayscale(pal), 200 / 255)
    cmyk = Image.new("CMYK", (4, 4), (0, 0, 0, 255))  # full black ink
    assert to_grayscale(cmyk).max() < 0.05


def test_step_2_transparency_is_flattened_onto_white():
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    rgba.paste((0, 0, 0, 255), (15, 5, 25, 35))
    gray = to_grayscale(rgba)
    assert gray[0, 0] == 1.0 and gray[20, 20] == 0.0
    pal = Image.new("P", (40, 40), 0)  # palette index 0 is black but transparent
    pal.putpalette([0, 0, 0] * 2)
    pal.paste(1, (15, 5, 25, 35))
    buf = io.BytesIO()
    pal.save(buf, format="PNG", transparency=0)
    pal = open_image(buf.getvalue())
    assert pal.mode == "P" and "transparency" in pal.info
    gray = to_grayscale(pal)
    assert gray[0, 0] == 1.0 and gray[20, 20] == 0.0


def test_step_3_inverts_light_paper_automatically_and_obeys_the_override():
    dark_paper = Image.fromarray(255 - np.asarray(_photo()))
    auto = preprocess(dark_paper)
    assert not auto.inverted and auto.pixels.max() > 0.9 and auto.pixels[0, 0] == 0
    assert preprocess(_photo()).inverted
    # A sheet photographed on a dark table: the border is dark, so the automatic
    # guess is wrong; the override fixes it, and the table is too wide to be ink.
    on_table = np.full((300, 300), 40, dtype=np.uint8)
    on_table[40:260, 50:250] = np.asarray(_photo(size=(200, 220), box=(85, 30, 115, 190)))
    assert not preprocess(Image.fromarray(on_table)).inverted
    fixed = preprocess(Image.fromarray(on_table), invert=True)
    assert fixed.inverted
    assert np.abs(fixed.pixels - preprocess(_photo()).pixels).mean() < 0.02


def test_step_4_removes_paper_texture_noise_and_specks_and_saturates_strokes():
    rng = np.random.default_rng(0)
    paper = 0.1 + 0.04 * rng.standard_normal((120, 120))  # ink-space: paper near 0, with texture
    paper[30:90, 55:62] = 0.8 + 0.05 * rng.standard_normal((60, 7))  # the stroke
    paper[5, 5] = 0.9  # a speck of dirt, one pixel
    paper[110:112, 110:112] = 0.9  # another, four pixels
    out = clean_ink(np.clip(paper, 0, 1))
    assert (out[:25] == 0).all() and (out[95:] == 0).all()  # texture and specks are gone
    stroke = out[30:90, 55:62]
    assert (stroke == 1.0).mean() >= 0.35 and stroke.mean() > 0.9  # its core is full white, as in MNIST


def test_step_4_a_shadow_across_the_paper_is_not_taken_for_ink():
    xx = np.arange(400)[None, :].repeat(400, 0)
    photo = 230 - 120 * np.clip((xx - 250) / 150, 0, 1)  # the right side darkens to 110
    photo[80:320, 180:215] = 40
    photo += np.random.default_rng(0).normal(0, 5, photo.shape)
    prep = preprocess(Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)))
    assert prep.steps[4].note == "ink box 35x240"  # the stroke alone, not the shadow


@pytest.mark.parametrize("value", [0, 255])
def test_blank_images_say_there_is_no_ink(value):
    with pytest.raises(ImageError, match="no ink"):
        mnist_style(Image.new("L", (50, 50), value))


def test_step_5_crops_to_the_ink_bounding_box():
    ink = np.zeros((50, 40))
    ink[10:21, 5:9] = 1
    ink[30, 30] = 0.5
    assert crop_to_ink(ink).shape == (21, 26)
    with pytest.raises(ImageError, match="nothing to crop"):
        crop_to_ink(np.zeros((5, 5)))


def test_step_6_fits_the_longer_side_to_20_px_keeping_aspect_with_anti_aliasing():
    tall = np.zeros((200, 50))
    tall[:, 24] = 1.0  # a 1-px line: point-sampling would lose or keep it whole
    out = fit_box(tall, 20)
    assert out.shape == (20, 5)
    assert 0.05 < out.max() < 0.5  # averaged into grey, not dropped and not kept at full strength
    assert fit_box(np.ones((30, 90)), 20).shape == (7, 20)


def test_step_7_centre_of_mass_lands_within_half_a_pixel_of_mnists_centre():
    digit = np.zeros((20, 12))
    digit[:, :3] = 1.0  # mass far to the left of the box centre
    digit[:4, :] = 1.0
    out = centre_by_mass(digit, 28)
    cy, cx = ndimage.center_of_mass(out)
    assert abs(cy - 14) < 0.5 and abs(cx - 14) < 0.5  # MNIST's convention: pixel (14, 14)
    assert out.sum() == pytest.approx(digit.sum(), rel=0.02)  # moved, not cut off


def test_digits_size_gets_its_own_recipe():
    out = mnist_style(_photo(), image_shape=(8, 8))
    assert out.shape == (8, 8) and out.max() > 0.3
    rows, _ = np.nonzero(out)
    assert rows.min() == 0 and rows.max() == 7  # the digits set fills its frame top to bottom
    cy, cx = ndimage.center_of_mass(out)
    assert abs(cy - 3.5) < 0.5 and abs(cx - 3.5) < 0.5


def test_every_step_comes_back_with_a_square_preview():
    prep = preprocess(_photo())
    assert [s.name[0] for s in prep.steps] == list("1234567")
    assert all(s.preview.shape == (PREVIEW_SIZE, PREVIEW_SIZE, 4) and s.preview.dtype == np.uint8
               for s in prep.steps)
    assert np.array_equal(prep.pixels, mnist_style(_photo()))
