"""After a restart the training page finds a visitor's run interrupted, with its last checkpoint kept, and a
Resume button that goes on from it (AppTest; the Chromium test restarts a real server)."""

import time

import pytest

import vae_core
from app.common.class_settings import ClassSettings
from app.store import open_store
from app.training.settings import DEFAULTS, build_config
from app.training.worker import TrainingManager
from testkit.apptest import assert_ok, new_page

VISITOR = "feedfacefeedfacefeedfacefeedface"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    monkeypatch.setenv("VAE_EXPLORER_CHECKPOINT_EPOCHS", "5")
    return tmp_path


def _crashed_server(epochs=12):
    """A server whose run stopped right after its epoch-5 checkpoint and never wrote again (as if killed)."""
    cfg = build_config({**DEFAULTS, "hidden": "16", "epochs": epochs})
    server = TrainingManager(processes=False, on_saved=lambda run: run.control.pause(),
                             settings=ClassSettings(checkpoint_epochs=5))
    run = server.submit(VISITOR, cfg, vae_core.load_dataset("digits"), settings=ClassSettings(checkpoint_epochs=5))
    store = open_store()
    for _ in range(3000):
        if store.runs(VISITOR)[0].checkpoint_epoch >= 5 and run.state == "paused":
            return run
        time.sleep(0.02)
    pytest.fail("the run did not reach its first checkpoint")


def _page():
    at = new_page("training", timeout=120)
    at.query_params["visitor"] = VISITOR
    at.query_params["run"] = "1"
    return at.run()


def test_an_interrupted_run_shows_its_checkpoint_and_resumes_to_the_end():
    from app.training.session import get_manager

    before = _crashed_server()
    at = _page()
    assert_ok(at)
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith("This run was interrupted at epoch ") and ": the server stopped; its last checkpoint, " \
        "epoch 5, is kept as ★ " in warning
    assert [b.label for b in at.button if b.key == "tr_resume_run"] == ["Resume from epoch 5"]
    (run,) = get_manager().runs_of(VISITOR)
    assert run is not before and run.model_name == before.model_name and run.state == "interrupted"
    assert len(vae_core.model_card(run.model_name)["history"]) == 5  # selectable: the checkpoint is a model
    at.button(key="tr_resume_run").click().run()
    assert_ok(at)
    get_manager().join(timeout=120)
    at.run()
    assert_ok(at)
    assert run.state == "done" and [r["epoch"] for r in run.history] == list(range(1, 13))
    assert any("Saved as ★" in s.value for s in at.success)
    assert len(vae_core.model_card(run.model_name)["history"]) == 12


def test_a_run_interrupted_before_its_first_checkpoint_starts_again():
    from app.training.session import get_manager

    store = open_store()
    cfg = build_config({**DEFAULTS, "hidden": "16", "epochs": 2})
    rec = store.create_run(VISITOR, None, "digits, d=2, Bernoulli, KL weight 1", cfg.to_dict(), 0, 1.0)
    store.update_run(rec.id, state="running", epoch=1)
    at = _page()
    assert_ok(at)
    assert "no checkpoint had been saved yet" in at.warning[0].value
    at.button(key="tr_resume_run").click().run()
    get_manager().join(timeout=120)
    at.run()
    assert_ok(at)
    assert [r["epoch"] for r in get_manager().runs_of(VISITOR)[0].history] == [1, 2]
