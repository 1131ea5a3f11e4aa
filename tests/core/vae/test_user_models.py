"""The user models folder: where it is, unique names, the quota, and the registry lists its models."""

import pytest

import vae_core
from vae_core.errors import CheckpointError
from vae_core.vae import user_models
from vae_core.vae.checkpoint import save_checkpoint
from vae_core.vae.user_models import UserModelsFullError, check_quota, reserve_name


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    return tmp_path / "mine"


def test_default_is_the_users_data_directory_and_the_env_var_overrides_it(monkeypatch, tmp_path):
    monkeypatch.delenv("VAE_EXPLORER_MODELS", raising=False)
    monkeypatch.setattr(user_models.platformdirs, "user_data_dir", lambda app: str(tmp_path / app))
    assert user_models.user_models_dir() == tmp_path / "vae-explorer" / "models"
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "x"))
    assert user_models.user_models_dir() == tmp_path / "x"


def test_names_are_unique_even_for_the_same_base(folder):
    names = {reserve_name("My run!")[0] for _ in range(5)}
    assert len(names) == 5 and all(n.startswith("user:my-run-") for n in names)


def test_saved_user_models_are_listed_and_loadable_by_name_and_never_in_pretrained(folder, tiny_model):
    before = set(vae_core.list_models())
    name, path = reserve_name("tiny")
    save_checkpoint(tiny_model, path, {"seed": 1})
    names = vae_core.list_models()
    assert set(names) - before == {name} and names[-1] == name  # shipped first, then the user's own
    assert name not in vae_core.list_models(include_user=False)
    model = vae_core.load_model(name)
    assert model.config == tiny_model.config and model.card["seed"] == 1
    assert not str(path).startswith(str(vae_core.vae.registry.PRETRAINED_DIR))


@pytest.mark.parametrize("bad", ["user:../etc", "user:", "user:a/b", "user:nope"])
def test_bad_user_model_names_are_refused(folder, bad):
    with pytest.raises(vae_core.CheckpointError, match="no user model named"):
        vae_core.load_model(bad)


def test_quota_refuses_with_a_clear_message(folder, monkeypatch, tiny_model):
    monkeypatch.setenv("VAE_EXPLORER_MODELS_QUOTA_MB", "0.001")  # about 1 KB
    check_quota(100)
    _, path = reserve_name("big")
    (path / "blob").write_bytes(b"x" * 2000)
    with pytest.raises(UserModelsFullError, match=r"user models folder is full: .* MB quota"):
        check_quota(100)


def test_a_model_is_renamed_without_replacing_another_and_deleted_out_of_the_listing(folder, tiny_model):
    from vae_core.vae.user_models import delete_user_model, folder_bytes, rename_user_model

    first, path = reserve_name("first")
    save_checkpoint(tiny_model, path)
    other, other_path = reserve_name("other")
    save_checkpoint(tiny_model, other_path)
    size = folder_bytes(first)
    assert size > 4 * tiny_model.num_parameters
    with pytest.raises(CheckpointError, match="already exists"):
        rename_user_model(first, other[len("user:"):])
    assert (other_path / "model.json").is_file() and (path / "model.json").is_file()
    renamed = rename_user_model(first, "My Digits!")
    assert renamed == "user:my-digits" and renamed in vae_core.list_models() and first not in vae_core.list_models()
    assert folder_bytes(renamed) == size and folder_bytes(first) == 0
    delete_user_model(renamed)
    assert renamed not in vae_core.list_models() and not any(p.name.startswith(".deleting") for p in folder.iterdir())
    with pytest.raises(CheckpointError, match="no such model"):
        delete_user_model(renamed)
    with pytest.raises(CheckpointError, match="no such model"):
        rename_user_model("user:../../etc", "x")


def test_the_previous_weights_generation_is_dropped_on_request(folder, tiny_model):
    import torch

    from vae_core.vae.checkpoint import drop_previous_weights, load_checkpoint

    name, path = reserve_name("twice")
    save_checkpoint(tiny_model, path)
    with torch.no_grad():
        next(tiny_model.parameters()).add_(1.0)
    save_checkpoint(tiny_model, path)
    assert len(list(path.glob("*.safetensors"))) == 2  # kept for a reader of the previous sidecar
    drop_previous_weights(path)
    assert len(list(path.glob("*.safetensors"))) == 1
    load_checkpoint(path)
