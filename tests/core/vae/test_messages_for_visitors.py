"""A message the app may show a web visitor names no server path; the CLI, whose user owns the machine,
adds the path (VAECoreError.local_detail)."""

import socket

import pytest

from vae_core.cli.main import main
from vae_core.data import datasets
from vae_core.data.datasets import load_dataset
from vae_core.data.download import RemoteDataset
from vae_core.errors import CheckpointError, DataError
from vae_core.vae.checkpoint import save_checkpoint
from vae_core.vae.registry import load_model, model_card
from vae_core.vae.user_models import UserModelsFullError, check_quota, reserve_name, user_models_dir


@pytest.fixture
def models(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "server-models"))
    return tmp_path / "server-models"


def _cli_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_the_quota_message_names_no_folder_but_the_local_detail_does(models, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS_QUOTA_MB", "0.001")
    _, path = reserve_name("big")
    (path / "blob").write_bytes(b"x" * 2000)
    with pytest.raises(UserModelsFullError) as info:
        check_quota(100)
    assert "server-models" not in str(info.value) and "/" not in str(info.value)
    assert str(user_models_dir()) in info.value.local_detail


@pytest.fixture
def offline_mnist(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_CORE_CACHE", str(tmp_path / "server-cache"))
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    remote = RemoteDataset("mnist", (f"http://127.0.0.1:{port}/",), datasets.MNIST.files, datasets.MNIST.class_names)
    monkeypatch.setitem(datasets.REMOTE, "mnist", remote)
    return tmp_path / "server-cache"


def test_the_offline_mnist_message_names_the_cache_folder_only_for_the_cli(offline_mnist, capsys):
    with pytest.raises(DataError, match="copy the four IDX files into the data cache folder") as info:
        load_dataset("mnist", split="test")
    assert "server-cache" not in str(info.value)
    assert str(offline_mnist / "mnist") in info.value.local_detail
    line = _cli_error(capsys, ["evaluate", "--model", "digits-2d", "--data", "mnist", "--split", "test"])
    assert "data cache folder" in line and str(offline_mnist / "mnist") in line


def test_a_damaged_user_model_is_named_by_its_name_not_its_folder(models, tiny_model, capsys):
    name, folder = reserve_name("damaged")
    save_checkpoint(tiny_model, folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-4])
    for load in (load_model, model_card):
        if load is model_card:
            (folder / "model.json").write_text('{"format": NaN}')
        with pytest.raises(CheckpointError) as info:
            load(name)
        assert str(models) not in str(info.value) and name in str(info.value), str(info.value)
        assert str(folder) in info.value.local_detail
    line = _cli_error(capsys, ["evaluate", "--model", name, "--data", "digits"])
    assert str(folder) in line


def test_a_path_the_cli_user_typed_is_still_named(tmp_path, tiny_model):
    save_checkpoint(tiny_model, tmp_path / "ck")
    (tmp_path / "ck" / "model.json").write_text("{")
    with pytest.raises(CheckpointError, match=str(tmp_path / "ck")):
        load_model(str(tmp_path / "ck"))
