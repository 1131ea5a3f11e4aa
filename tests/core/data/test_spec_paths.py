"""Data set specs that used to escape as ValueError, RuntimeError or OSError (a traceback, or Streamlit's
generic error box) are one-line DataErrors, for the CLI (any path) and for a web visitor (data roots)."""

import pytest

from vae_core.data.datasets import OUTSIDE_ROOTS, canonical_spec, load_dataset
from vae_core.errors import DataError


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "a").symlink_to(root / "b")  # a symlink loop: a -> b -> a
    (root / "b").symlink_to(root / "a")
    return root


def _one_line(spec, roots, fragment):
    with pytest.raises(DataError, match=fragment) as info:
        load_dataset(spec, roots=roots)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    return message


@pytest.mark.parametrize("form", ["idx:{}/\x00x", "folder:{}/\x00x", "idx:{}/a,{}/\x00", "idx:\x00", "mnist\x00"])
@pytest.mark.parametrize("with_roots", [False, True], ids=["cli", "web"])
def test_a_nul_byte_is_refused(root, form, with_roots):
    _one_line(form.format(root, root), (root,) if with_roots else None, "NUL byte")
    with pytest.raises(DataError, match="NUL byte"):
        canonical_spec(form.format(root, root))


@pytest.mark.parametrize("spec", ["idx:{}/a", "folder:{}/a", "folder:{}/a/x", "idx:{}/a/t10k"])
@pytest.mark.parametrize("with_roots", [False, True], ids=["cli", "web"])
def test_a_symlink_loop_is_refused(root, spec, with_roots):
    _one_line(spec.format(root), (root,) if with_roots else None,
              r"is not a folder|no .*-idx3-ubyte\[\.gz\] file found")


@pytest.mark.parametrize("with_roots", [False, True], ids=["cli", "web"])
def test_a_path_too_long_for_the_system_is_refused(root, with_roots):
    roots = (root,) if with_roots else None
    _one_line(f"folder:{root}/" + "a/" * 3000, roots, "cannot be read .File name too long")
    _one_line(f"idx:{root}/" + "x" * 5000, roots, "cannot be read .File name too long")


def test_outside_the_roots_still_names_no_path(root, tmp_path):
    assert _one_line(f"folder:{tmp_path}/\x00", (root,), "NUL").count(str(tmp_path)) == 0
    assert _one_line("folder:/etc/" + "a/" * 3000, (root,), OUTSIDE_ROOTS) == OUTSIDE_ROOTS
