"""The pickers' model list follows the user models folder at once: a model another replica or the CLI wrote
(not this server, so nothing cleared the cache) is pickable at the next rerun, not after the cache's 30 s."""

import os
import shutil

from app.common.cache import list_models
from testkit import REPO
from vae_core.vae.user_models import user_models_dir


def _copy_model(into):
    for name in ("model.json", "model.safetensors"):
        shutil.copy(REPO / "pretrained" / "digits-2d" / name, into / name)


def test_a_model_written_by_another_process_is_listed_at_once(tmp_path):
    root = user_models_dir()
    root.mkdir(parents=True, exist_ok=True)
    before = list_models()
    assert "user:from-elsewhere" not in before

    staged = tmp_path / "staged"  # a whole model renamed into the folder, as an archive import does
    staged.mkdir()
    _copy_model(staged)
    os.replace(staged, root / "from-elsewhere")
    assert "user:from-elsewhere" in list_models()

    reserved = root / "reserved-first"  # a run reserves its folder when it starts and saves into it later
    reserved.mkdir()
    assert "user:reserved-first" not in list_models()
    _copy_model(reserved)
    assert "user:reserved-first" in list_models()
