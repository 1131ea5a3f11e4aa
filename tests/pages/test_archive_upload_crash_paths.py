"""Uploading a model archive on the training page: archives that used to end in Streamlit's generic error box
(a 1e400 sidecar, float8 weights, a full disk) are one st.error line that names no server path."""

import errno
import hashlib
import io
import json
import os
import zipfile

import pytest
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from testkit.apptest import new_page
from vae_core.vae.archive import export_archive
from vae_core.vae.checkpoint import save_checkpoint


@pytest.fixture(autouse=True)
def models_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "server-models"))
    return tmp_path / "server-models"


@pytest.fixture(scope="module")
def entries(tmp_path_factory):
    from vae_core.vae.config import VAEConfig
    from vae_core.vae.model import VAE

    folder = tmp_path_factory.mktemp("ck")
    save_checkpoint(VAE(VAEConfig(image_shape=(8, 8), latent_dim=2, hidden=(16,))), folder, {"seed": 5})
    with zipfile.ZipFile(io.BytesIO(export_archive(folder))) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(entries) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def _sidecar_1e400(entries):
    return _zip({**entries, "model.json": entries["model.json"].replace(b'"seed": 5', b'"seed": 1e400')})


def _float8(entries):
    state = load_safetensors(entries["model.safetensors"])
    blob = save_safetensors({k: v.to(torch.float8_e4m3fn) for k, v in state.items()})
    sidecar = json.loads(entries["model.json"])
    sidecar["weights_sha256"] = hashlib.sha256(blob).hexdigest()
    return _zip({**entries, "model.safetensors": blob, "model.json": json.dumps(sidecar).encode()})


def _upload(blob: bytes):
    at = new_page("training", timeout=120).run()
    at.file_uploader(key="tr_upload").set_value(("model.zip", blob, "application/zip")).run()
    return at


@pytest.mark.parametrize("make, fragment", [(_sidecar_1e400, "1.8e308"), (_float8, "F8_E4M3"),
                                            (_zip, "no space left")], ids=["1e400", "float8", "full-disk"])
def test_a_bad_archive_or_a_full_disk_is_one_line(entries, models_folder, monkeypatch, make, fragment):
    if make is _zip:
        def full(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", full)
    at = _upload(make(entries))
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and fragment in errors[0], errors
    assert "server-models" not in errors[0] and "/tmp" not in errors[0]
    assert not models_folder.exists() or list(models_folder.iterdir()) == []
