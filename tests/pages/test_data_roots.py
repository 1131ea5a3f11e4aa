"""Web visitors may load only named data sets and paths inside the configured data roots."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import vae_core
from testkit import REPO
from testkit.apptest import new_page
from vae_core.data.datasets import OUTSIDE_ROOTS, canonical_spec, load_dataset
from vae_core.data.idx import write_idx
from vae_core.errors import DataError


@pytest.fixture(scope="module")
def digits_idx(tmp_path_factory):
    folder = tmp_path_factory.mktemp("roots") / "allowed"
    folder.mkdir()
    d = vae_core.load_dataset("digits")
    write_idx(folder / "d-images-idx3-ubyte", (d.images(slice(None))[:300] * 255).round().astype(np.uint8))
    write_idx(folder / "d-labels-idx1-ubyte", d.y[:300].astype(np.uint8))
    return folder


def spec_page(spec: str) -> AppTest:
    at = new_page("latent_map", timeout=120)
    at.session_state["map_model"] = "digits-2d"
    at.session_state["map_data"] = "other (idx:PATH or folder:PATH)…"
    at.session_state["map_spec"] = spec
    return at.run()


@pytest.mark.parametrize("spec", ["idx:/dev/zero,/dev/zero", "folder:/tmp", "idx:/etc/passwd,x",
                                  "folder:/tmp/../etc"])
def test_a_visitor_path_outside_the_roots_is_refused_without_naming_it(monkeypatch, spec):
    monkeypatch.delenv("VAE_EXPLORER_DATA_ROOTS", raising=False)
    at = spec_page(spec)
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [OUTSIDE_ROOTS]
    assert at.sidebar.selectbox(key="map_model").value == "digits-2d"  # the page still works


def test_a_path_inside_a_configured_root_loads(monkeypatch, digits_idx):
    monkeypatch.setenv("VAE_EXPLORER_DATA_ROOTS", str(digits_idx.parent / "nowhere") + ":" + str(digits_idx))
    at = spec_page(f"idx:{digits_idx}/./d")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.get("plotly_chart"), "the map was not drawn"


def test_a_symlink_inside_a_root_to_a_file_outside_is_refused(tmp_path, digits_idx):
    root = tmp_path / "root"
    root.mkdir()
    (root / "x-images-idx3-ubyte").symlink_to(digits_idx / "d-images-idx3-ubyte")
    (root / "x-labels-idx1-ubyte").symlink_to(digits_idx / "d-labels-idx1-ubyte")
    with pytest.raises(DataError, match=OUTSIDE_ROOTS):
        load_dataset(f"idx:{root}/x", roots=(root,))
    assert len(load_dataset(f"idx:{root}/x")) == 300  # the CLI and the Python API accept any local path


def test_spellings_of_one_folder_are_one_spec(tmp_path):
    a = canonical_spec(f"folder:{tmp_path}")
    assert canonical_spec(f"folder:{tmp_path}/./") == a == canonical_spec(f"folder:{tmp_path}/././")
    assert canonical_spec(f"folder:{tmp_path}/sub/..") == a
    assert canonical_spec(f"idx:{tmp_path}/./t10k-") == f"idx:{tmp_path}/t10k-"


def test_the_visitor_caches_are_bounded():
    from app.common import cache

    for fn in (cache.get_model, cache._load_dataset):
        assert 0 < fn._info.max_entries <= 8  # type: ignore[attr-defined]


def test_roots_from_streamlit_secrets(monkeypatch, tmp_path):
    import streamlit as st

    from app.common import data_roots

    monkeypatch.delenv("VAE_EXPLORER_DATA_ROOTS", raising=False)
    monkeypatch.setattr(st, "secrets", {"vae_explorer": {"data_roots": [str(tmp_path / "a/../b")]}})
    assert data_roots.allowed_roots() == ((tmp_path / "b").resolve(),)
    assert data_roots.visitor_spec(f"folder:{tmp_path}/b/c") == f"folder:{tmp_path.resolve()}/b/c"
    with pytest.raises(DataError, match=OUTSIDE_ROOTS):
        data_roots.visitor_spec(f"folder:{tmp_path}/a")


def test_the_shipped_deployment_examples_parse_and_match_the_policy():
    import tomllib

    config = tomllib.loads((REPO / "deploy/config.example.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    secrets = tomllib.loads((REPO / "deploy/secrets.example.toml").read_text())
    assert all(Path(p).is_absolute() for p in secrets["vae_explorer"]["data_roots"])
