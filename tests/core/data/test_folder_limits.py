"""A folder: data set is counted and size-checked before any of its files is opened (issue 24, section 3):
100,050 1x1 PNGs used to be decoded one by one before the 100,000-image limit refused them."""

import io

import pytest
from PIL import Image

from vae_core.data import datasets, folder_scan, imageio
from vae_core.data.datasets import load_dataset
from vae_core.errors import DataError

PNG = io.BytesIO()
Image.new("L", (1, 1), 7).save(PNG, format="PNG")
PNG = PNG.getvalue()


def _folder(root, classes: int, per_class: int, data: bytes = PNG, extra: int = 0):
    for c in range(classes):
        folder = root / f"class{c:04d}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            (folder / f"{i:05d}.png").write_bytes(data)
        for i in range(extra):
            (folder / f"note{i:05d}.txt").write_bytes(b"x")
    return root


@pytest.fixture
def opened(monkeypatch):
    """Counts the image files the loader opens (it imports open_image from imageio when it runs)."""
    calls = []
    real = imageio.open_image

    def counting(source, *args, **kwargs):
        calls.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(imageio, "open_image", counting)
    return calls


def test_too_many_images_are_refused_before_any_is_opened(tmp_path, monkeypatch, opened):
    # The 100,000 limit, scaled down with the same structure: two classes that pass it together.
    monkeypatch.setattr(datasets, "MAX_FOLDER_IMAGES", 50)
    root = _folder(tmp_path / "set", classes=2, per_class=30)
    with pytest.raises(DataError, match="more than 50 images; the limit is 50"):
        load_dataset(f"folder:{root}")
    assert opened == []


def test_a_folder_within_the_limits_still_loads(tmp_path, monkeypatch, opened):
    monkeypatch.setattr(datasets, "MAX_FOLDER_IMAGES", 60)
    root = _folder(tmp_path / "set", classes=2, per_class=30, extra=3)
    ds = load_dataset(f"folder:{root}")
    assert len(ds) == 60 and ds.class_names == ("class0000", "class0001") and len(opened) == 60
    assert [p.name for p in opened[:2]] == ["00000.png", "00001.png"]  # in name order, as before


def test_too_many_bytes_are_refused_before_any_is_opened(tmp_path, monkeypatch, opened):
    monkeypatch.setattr(folder_scan, "MAX_FOLDER_BYTES", 10 * len(PNG))
    root = _folder(tmp_path / "set", classes=1, per_class=11)
    with pytest.raises(DataError, match=f"hold more than {10 * len(PNG):,} bytes together"):
        load_dataset(f"folder:{root}")
    assert opened == []


def test_one_file_over_the_file_limit_is_refused_from_its_size(tmp_path, monkeypatch, opened):
    monkeypatch.setattr(folder_scan, "MAX_FILE_BYTES", len(PNG) - 1)
    root = _folder(tmp_path / "set", classes=1, per_class=3)
    with pytest.raises(DataError, match="class0000/00000.png is larger than"):
        load_dataset(f"folder:{root}")
    assert opened == []


def test_more_classes_than_labels_are_refused_before_any_is_opened(tmp_path, opened):
    # Labels run from 0 to 999, which the loader used to find out only after opening every image.
    root = _folder(tmp_path / "set", classes=datasets.MAX_LABEL + 2, per_class=1)
    with pytest.raises(DataError, match="1,001 class subfolders; at most 1,000 classes"):
        load_dataset(f"folder:{root}")
    assert opened == []


def test_listing_itself_is_bounded(tmp_path, monkeypatch, opened):
    monkeypatch.setattr(folder_scan, "MAX_FOLDER_ENTRIES", 20)
    root = _folder(tmp_path / "set", classes=1, per_class=2, extra=30)  # mostly not images
    with pytest.raises(DataError, match="more than 20 files and folders"):
        load_dataset(f"folder:{root}")
    assert opened == []


def test_files_outside_the_data_roots_are_not_even_looked_at(tmp_path, opened):
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    root = _folder(tmp_path / "roots" / "set", classes=1, per_class=1)
    (root / "class0000" / "link.png").symlink_to(outside)
    with pytest.raises(DataError, match=datasets.OUTSIDE_ROOTS):
        load_dataset(f"folder:{root}", roots=(tmp_path / "roots",))
    assert opened == []
