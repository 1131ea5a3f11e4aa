"""One training run as the server holds it in memory: its record from the store, and what only a live run has
(its data, its control, the latest epoch's pictures, the batch in progress). No streamlit here."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from app.store import RunRecord
from vae_core.data.datasets import Dataset
from vae_core.vae.train import TrainConfig
from vae_core.vae.train_control import TrainControl
from vae_core.vae.user_models import user_model_path

ACTIVE = ("queued", "running", "paused")
ENDED = ("done", "stopped", "failed")


def run_label(cfg: TrainConfig) -> str:
    """A run's name carries its settings: data, latent size, likelihood and β², KL weight."""
    likelihood = "Bernoulli" if cfg.likelihood == "bernoulli" else f"Gaussian β²={cfg.beta ** 2:.3g}"
    conditional = ", conditional" if cfg.conditional else ""
    return f"{cfg.data}, d={cfg.latent_dim}, {likelihood}, KL weight {cfg.kl_weight:g}{conditional}"


def model_base_name(cfg: TrainConfig) -> str:
    """The same settings in a model's folder name (a timestamp follows)."""
    likelihood = "bern" if cfg.likelihood == "bernoulli" else f"gauss-b2-{cfg.beta ** 2:.3g}"
    return f"{cfg.data}-d{cfg.latent_dim}-{likelihood}-kl{cfg.kl_weight:g}{'-cvae' if cfg.conditional else ''}"


@dataclass(eq=False)  # runs are compared by identity (their id), never field by field
class Run:
    id: int
    owner: str
    cfg: TrainConfig
    data: Dataset | None
    label: str
    control: TrainControl = field(default_factory=TrainControl)
    status: str = "queued"  # queued, running, paused, done, stopped, failed, interrupted
    message: str = ""
    # (history, views) as one value, replaced whole after each epoch: a reader takes both from one epoch.
    latest: tuple = field(default_factory=lambda: ([], {}))
    batch: tuple = (0, 0, 0)  # (epoch, batches done, batches per epoch)
    submitted_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    model_name: str | None = None  # "user:<name>", the folder its checkpoints go to, reserved when it starts
    pid: int | None = None  # the training process, while it runs in one
    number: int = 0  # the owner's own count: their first run is Run 1
    address: str | None = None
    queue_order: float = 0.0
    checkpoint_epoch: int = 0  # the epoch of its last resumable state
    state_dir: str | None = None
    cpu_s: float = 0.0
    cpu_base: float = 0.0  # what it had used before its latest start
    need_bytes: int = 0
    resume: bool = False  # its next start continues from state_dir
    elsewhere: str | None = None  # the replica that controls it, when not this one (a shared database)
    saved: bool = False  # its model was written at the end of a run (done, stopped, failed with a good epoch)

    @classmethod
    def from_record(cls, rec: RunRecord, history: list[dict]) -> Run:
        run = cls(id=rec.id, owner=rec.owner, cfg=TrainConfig.from_dict(rec.config), data=None, label=rec.label,
                  status=rec.state, message=rec.message, latest=(history, {}), submitted_at=rec.submitted_at,
                  started_at=rec.started_at, finished_at=rec.finished_at, model_name=rec.model_name,
                  number=rec.number, address=rec.address, queue_order=rec.queue_order,
                  checkpoint_epoch=rec.checkpoint_epoch, state_dir=rec.state_dir, cpu_s=rec.cpu_s,
                  need_bytes=rec.need_bytes)
        run.saved = rec.state in ENDED and run.has_model
        return run

    @property
    def history(self) -> list:
        return self.latest[0]

    @property
    def views(self) -> dict:
        return self.latest[1]

    @property
    def has_model(self) -> bool:
        """Whether its folder holds a loadable checkpoint (a finished model, or the last one of a run)."""
        folder = user_model_path(self.model_name) if self.model_name else None
        return folder is not None and (folder / "model.json").is_file()

    def snapshot(self) -> Run:
        """A copy frozen at this moment, so one page update shows one epoch everywhere."""
        return dataclasses.replace(self)

    @property
    def state(self) -> str:
        """The status as a visitor sees it: a running run whose control is paused is paused."""
        if self.status in ("running", "paused"):
            return "paused" if self.control.paused else "running"
        return self.status

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def progress(self) -> tuple[float, float | None]:
        """(fraction of the planned epochs done, seconds left estimated from the pace so far)."""
        epoch, done, per = self.batch
        total = self.cfg.epochs
        frac = min(1.0, ((epoch - 1) + (done / per if per else 0)) / total) if epoch else len(self.history) / total
        if self.status != "running" or not self.started_at or frac <= 0:
            return (1.0 if self.status == "done" else min(1.0, frac)), None
        elapsed = (self.history[-1]["time_s"] if self.history else time.time() - self.started_at)
        done_frac = len(self.history) / total if self.history else frac
        return frac, max(0.0, elapsed / max(done_frac, 1e-9) * (1 - done_frac))
