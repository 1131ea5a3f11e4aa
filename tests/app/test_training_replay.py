"""A run's replay, as the training job keeps it (app/training/job.py): every epoch the live view showed, saved
beside the model, in the final model's basis; a resumed 2-D run carries on the replay its checkpoint kept."""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from app.training.job import JobPlan, train_job
from app.training.views import epoch_views, map_images
from testkit.training import toy_config, toy_data
from vae_core.vae.registry import load_model, model_replay
from vae_core.vae.train_control import TrainControl
from vae_core.vae.train_state import load_train_state


def run(tmp_path, cfg, resume=False):
    sent = []
    plan = JobPlan(command="test", folder=str(tmp_path / "model"), state_dir=str(tmp_path / "state"),
                   resume=resume, state_every=2)
    train_job(cfg, toy_data(), plan, TrainControl(), lambda *m: sent.append(m))
    assert sent[-1][:2] in (("ended", "done"), ("ended", "stopped")), sent[-1]
    return plan, sent


@pytest.mark.parametrize("latent", [2, 3])
def test_a_finished_run_keeps_every_epoch_it_showed(tmp_path, latent):
    cfg = toy_config(latent_dim=latent, epochs=4)
    plan, sent = run(tmp_path, cfg)
    replay = model_replay(plan.folder)
    assert replay.epochs.tolist() == [1, 2, 3, 4] and replay.epochs_run == 4
    assert all("means" not in m[2] for m in sent if m[0] == "epoch")  # the page is not sent them
    shown = [m[2] for m in sent if m[0] == "epoch"]
    np.testing.assert_array_equal(replay.samples[2], np.round(shown[2]["samples"] * 255))
    model = load_model(plan.folder)
    final = epoch_views(model, toy_data(), cfg)["means"]
    assert replay.points.shape == (4, len(map_images(toy_data(), cfg)), 2)
    if latent == 2:
        assert replay.projection == "latent"
        np.testing.assert_allclose(replay.points[2], shown[2]["map_mu"], atol=2e-2)
    else:  # the saved (best) epoch's points are the saved model's means on their own first two PCs
        assert replay.projection == "pca"
        pca = PCA(n_components=2).fit(final)
        best = model.card["metrics"]["best_epoch"]
        np.testing.assert_allclose(replay.points[best - 1], pca.transform(final), atol=2e-2)
        np.testing.assert_allclose(replay.explained, pca.explained_variance_ratio_, rtol=1e-6)


def test_a_resumed_2d_run_carries_on_its_replay(tmp_path):
    cfg = toy_config(epochs=6)
    plan = JobPlan(command="test", folder=str(tmp_path / "model"), state_dir=str(tmp_path / "state"), state_every=2)
    control = TrainControl()
    stop_after = []

    def send(*m):
        if m[0] == "checkpoint" and m[1] == 4:
            control.stop()  # as a restart would: the state and the model kept at epoch 4
        stop_after.append(m)

    train_job(cfg, toy_data(), plan, control, send)
    assert load_train_state(plan.state_dir).epoch == 4
    assert model_replay(plan.folder).epochs.tolist()[:4] == [1, 2, 3, 4]
    resumed = JobPlan(command="test", folder=plan.folder, state_dir=plan.state_dir, resume=True, state_every=2)
    train_job(cfg, toy_data(), resumed, TrainControl(), lambda *m: None)
    assert model_replay(plan.folder).epochs.tolist() == [1, 2, 3, 4, 5, 6]
