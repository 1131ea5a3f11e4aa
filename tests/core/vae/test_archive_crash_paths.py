"""Uploaded archives that used to crash the import (a traceback, Streamlit's generic error box) instead of
being refused in one line: non-finite or deeply nested sidecars, float8 weights, a full disk."""

import errno
import hashlib
import io
import json
import os
import struct
import zipfile

import pytest
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

import vae_core
from vae_core.vae.archive import ArchiveError, export_archive, import_archive
from vae_core.vae.checkpoint import save_checkpoint
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE
from vae_core.vae.user_models import user_models_dir


@pytest.fixture(autouse=True)
def models_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))


@pytest.fixture
def entries(tmp_path, tiny_model):
    save_checkpoint(tiny_model, tmp_path / "ck", {"seed": 5, "metrics": {"val_elbo": -3.0}})
    with zipfile.ZipFile(io.BytesIO(export_archive(tmp_path / "ck", name="tiny"))) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(entries: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def _with_sidecar_value(entries, raw_value: str) -> bytes:
    text = entries["model.json"].decode().replace('"seed": 5', f'"seed": {raw_value}')
    assert text != entries["model.json"].decode()
    return _zip({**entries, "model.json": text.encode()})


def _refused(blob, fragment):
    with pytest.raises(ArchiveError, match=fragment) as info:
        import_archive(blob)
    assert "\n" not in str(info.value)
    assert [m for m in vae_core.list_models() if m.startswith("user:")] == []
    return str(info.value)


@pytest.mark.parametrize("raw, fragment", [
    ("1e400", "1.8e308"), ("-1e400", "1.8e308"), ("NaN", "NaN"), ("Infinity", "NaN"),
    ("[" * 10_000 + "]" * 10_000, "nested"), ('{"a":' * 10_000 + "0" + "}" * 10_000, "nested"),
], ids=["1e400", "-1e400", "NaN", "Infinity", "deep-lists", "deep-objects"])
def test_a_sidecar_python_parses_but_json_cannot_carry_is_refused(entries, raw, fragment):
    message = _refused(_with_sidecar_value(entries, raw), fragment)
    assert message.startswith("model.json")


def _weights_as(entries, dtype) -> dict:
    state = load_safetensors(entries["model.safetensors"])
    blob = save_safetensors({k: v.to(dtype) for k, v in state.items()}, metadata={"format": "vae_core.checkpoint"})
    sidecar = json.loads(entries["model.json"])
    sidecar["weights_sha256"] = hashlib.sha256(blob).hexdigest()
    return {**entries, "model.safetensors": blob, "model.json": json.dumps(sidecar).encode()}


@pytest.mark.parametrize("dtype, name", [(torch.float8_e4m3fn, "F8_E4M3"), (torch.float8_e5m2, "F8_E5M2"),
                                         (torch.float16, "F16"), (torch.bfloat16, "BF16"), (torch.bool, "BOOL")])
def test_weights_that_are_not_float32_are_refused_by_name(entries, dtype, name):
    message = _refused(_zip(_weights_as(entries, dtype)), "float32")
    assert name in message


def test_a_full_disk_is_one_line_and_leaves_no_empty_model_folder(entries, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    message = _refused(_zip(entries), "no space left")
    assert str(user_models_dir()) not in message and "/" not in message  # a web visitor sees no server path
    left = [p for p in user_models_dir().rglob("*")] if user_models_dir().exists() else []
    assert left == []  # neither the reserved uploaded-... folder nor a temporary


def _header_length(blob: bytes) -> int:
    return struct.unpack("<Q", blob[:8])[0]


def test_a_safetensors_file_whose_header_length_starts_like_a_pickle_is_accepted(tmp_path):
    # A header of 640 bytes begins 0x80 0x02, the two bytes a protocol-2 pickle begins with.
    model = VAE(VAEConfig(image_shape=(8, 8), latent_dim=10, hidden=(8,)))
    save_checkpoint(model, tmp_path / "ck")
    blob = export_archive(tmp_path / "ck")
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        weights = zf.read("model.safetensors")
    assert weights[:2] == b"\x80\x02" and _header_length(weights) == 640
    assert import_archive(blob).startswith("user:")
