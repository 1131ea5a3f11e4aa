"""What runs that survive a restart cost, and how far a Stop lands from what the page shows.

    python -m bench.bench_checkpoints [--epochs 200] [--repeats 3]

1. One periodic save of a running training (its resumable state, then its best weights as a model), for the
   page's default model (digits, hidden 64) and a large one (mnist-5k, hidden 512,256): seconds and bytes.
2. Throughput of a run on the server (TrainingManager, a training process, paced, the store written every
   epoch) with a checkpoint every 5 epochs, and with none (VAE_EXPLORER_CHECKPOINT_EPOCHS=0), against the
   library's train() in this process: images per second from the end of epoch 1 to the end of the last,
   from the saved model cards, in turns, one torch thread each. Goal: the checkpoints cost at most 10%.
3. Stop while a slow reader (50 ms per report, a busy server) is behind: epochs saved minus epochs shown when
   Stop was pressed, paced (today) and unpaced (before), 5 stops each. Goal: at most 1.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import vae_core
from bench.harness import print_header, summarize


def _cfg(data: str, hidden: tuple[int, ...], epochs: int):
    from vae_core.vae.train import TrainConfig

    # One torch thread everywhere: what the server's training processes use (job.training_threads), so the
    # library's run in this process is a like-for-like reference.
    return TrainConfig(data=data, latent_dim=2, hidden=hidden, epochs=epochs, patience=epochs, batch_size=64,
                       threads=1)


def one_save(data_name: str, hidden: tuple[int, ...]) -> str:
    from vae_core.vae.train import train
    from vae_core.vae.train_state import save_train_state

    data = vae_core.load_dataset(data_name)
    states = []
    train(_cfg(data_name, hidden, 2), data, progress=False, on_state=states.append, state_every=2)
    state = states[-1]
    from app.training.job import JobPlan, _write  # the training process's own save of a model
    from vae_core.vae.model import VAE
    from vae_core.vae.train import TrainResult, model_config

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(5):
            start = time.perf_counter()
            save_train_state(state, f"{tmp}/state")
            model = VAE(model_config(_cfg(data_name, hidden, 2), data))
            model.load_state_dict(state.best if state.best is not None else state.model)
            _write(TrainResult(model=model.eval(), history=state.history, best_epoch=2), _cfg(data_name, hidden, 2),
                   data, JobPlan(command="bench", folder=f"{tmp}/model{i}", state_dir=f"{tmp}/state"))
            times.append(time.perf_counter() - start)
        size = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(tmp) for f in files
                   if root.endswith("state") or root.endswith("model0"))
    return f"{data_name}, hidden {hidden}: {summarize(times).describe()}, {size / 2**20:.1f} MB (state + model)"


def server_run(epochs: int, every: int) -> float:
    from app.common.class_settings import ClassSettings
    from app.training.worker import TrainingManager

    settings = ClassSettings(checkpoint_epochs=every, run_image_epochs=0, run_cpu_minutes=0)
    mgr = TrainingManager(settings=settings)
    run = mgr.submit("bench", _cfg("digits", (64,), epochs), vae_core.load_dataset("digits"), settings=settings)
    mgr.join(timeout=3600)
    return steady(vae_core.model_card(run.model_name)["history"], run.data)


def library_run(epochs: int) -> float:
    from vae_core.vae.train import train

    data = vae_core.load_dataset("digits")
    return steady(train(_cfg("digits", (64,), epochs), data, progress=False).history, data)


def steady(history: list[dict], data) -> float:
    from vae_core.vae.train import split_indices

    n = len(split_indices(len(data), 0.1, 0)[0])
    return n * (len(history) - 1) / (history[-1]["time_s"] - history[0]["time_s"])


def stops(paced: bool, n: int) -> list[int]:
    from app.common.class_settings import ClassSettings
    from app.training import worker

    class SlowReader(worker.TrainingManager):
        def _apply(self, run, message):
            time.sleep(0.05)
            super()._apply(run, message)

        def _new_control(self):
            from vae_core.vae.train_control import TrainControl

            return TrainControl(worker.training_context(), paced=paced)

    settings = ClassSettings(run_image_epochs=0, run_cpu_minutes=0)
    ahead = []
    for _ in range(n):
        mgr = SlowReader(settings=settings)
        run = mgr.submit("bench", _cfg("digits", (64,), 500), vae_core.load_dataset("digits"), settings=settings)
        while len(run.history) < 5:
            time.sleep(0.01)
        shown = len(run.history)
        mgr.stop("bench", run.id)
        mgr.join(timeout=600)
        ahead.append(len(vae_core.model_card(run.model_name)["history"]) - shown)
    return ahead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VAE_EXPLORER_MODELS"] = f"{tmp}/models"
        print("1. one periodic save (state + model):")
        for data_name, hidden in (("digits", (64,)), ("mnist-5k", (512, 256))):
            print("   " + one_save(data_name, hidden), flush=True)
        lib, every5, never = [], [], []
        for _ in range(args.repeats):
            lib.append(library_run(args.epochs))
            every5.append(server_run(args.epochs, 5))
            never.append(server_run(args.epochs, 0))
        med = {k: summarize(v).median for k, v in (("lib", lib), ("5", every5), ("0", never))}
        cost = 1 - med["5"] / med["0"]
        print(f"2. throughput, {args.epochs} epochs of digits, hidden 64, {args.repeats} runs each, in turn: library "
              f"train() {' '.join(f'{v:.0f}' for v in lib)} images/s; server, a checkpoint every 5 epochs "
              f"{' '.join(f'{v:.0f}' for v in every5)}; server, none {' '.join(f'{v:.0f}' for v in never)}; "
              f"medians {med['lib']:.0f} / {med['5']:.0f} / {med['0']:.0f}: the checkpoints cost {cost:.0%}  "
              f"{'PASS' if cost <= 0.10 else 'FAIL'} (goal <= 10%)", flush=True)
        paced, unpaced = stops(True, 5), stops(False, 5)
        print(f"3. epochs saved beyond those shown at Stop, a reader 50 ms behind per report: paced {paced}, "
              f"unpaced (before) {unpaced}  {'PASS' if max(paced) <= 1 else 'FAIL'} (goal <= 1)")


if __name__ == "__main__":
    main()
