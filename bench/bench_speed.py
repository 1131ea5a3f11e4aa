"""Training throughput against the reference loop, and load times.

    python -m bench.bench_speed [--epochs 5] [--threads N]

Throughput: the same architecture (784-400-d, the reference's) trained on
mnist-5k for the same number of epochs, once by vae_core's loop and once by
the PyTorch-examples loop (DataLoader over a TensorDataset), alternating
runs in this one process. Prints images per second and the ratio.
Load times: import + load_model("mnist-2d") + load_dataset("mnist-5k") in a
fresh interpreter, with a cold data cache (empty folder) and a warm one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch

from bench.harness import REPO
from bench.reference_vae import train_reference
from vae_core import load_dataset
from vae_core.vae.train import TrainConfig, train

LOAD_SNIPPET = """
import time
t0 = time.perf_counter()
import vae_core
t1 = time.perf_counter()
model = vae_core.load_model("mnist-2d")
data = vae_core.load_dataset("mnist-5k")
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
"""


def throughput(epochs: int, repeats: int, latent_dim: int) -> None:
    data = load_dataset("mnist-5k")
    x = torch.from_numpy(data.x)
    ours_cfg = TrainConfig(latent_dim=latent_dim, hidden=(400,), epochs=epochs, patience=epochs,
                           val_fraction=0.0001, seed=1)
    ours, ref = [], []
    for _ in range(repeats):
        result = train(ours_cfg, data, progress=False)
        ours.append(result.images_per_s)
        _, rate, _ = train_reference(x, latent_dim, epochs=epochs, seed=1)
        ref.append(rate)
    o, r = statistics.median(ours), statistics.median(ref)
    print(f"training throughput, 784-400-{latent_dim}, {epochs} epochs x {repeats} alternating runs, "
          f"{torch.get_num_threads()} threads")
    print(f"  vae_core loop     {o:8.0f} images/s   (runs: {', '.join(f'{v:.0f}' for v in ours)})")
    print(f"  reference loop    {r:8.0f} images/s   (runs: {', '.join(f'{v:.0f}' for v in ref)})")
    print(f"  ratio             {o / r:8.2f}x  (goal >= 1.0)")
    shipped = train(TrainConfig(latent_dim=latent_dim, epochs=epochs, patience=epochs, seed=1), data,
                    progress=False)
    print(f"  shipped architecture 784-512-256-{latent_dim}: {shipped.images_per_s:.0f} images/s")


def load_times(repeats: int) -> None:
    def once(cache: str) -> tuple[float, float, float]:
        env = {**os.environ, "VAE_CORE_CACHE": cache}
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], cwd=REPO, env=env, capture_output=True,
                             text=True, check=True).stdout.split()
        return float(out[0]), float(out[1]), time.perf_counter() - start

    print(f"load default model and data set (fresh interpreter each, median of {repeats})")
    for label, fresh in (("cold cache", True), ("warm cache", False)):
        runs = []
        warm = tempfile.mkdtemp(prefix="vae_bench_cache_")
        if not fresh:
            once(warm)
        for _ in range(repeats):
            runs.append(once(tempfile.mkdtemp(prefix="vae_bench_cache_") if fresh else warm))
        imp, load, total = (statistics.median(r[i] for r in runs) for i in range(3))
        print(f"  {label}: load_model + load_dataset {load:.3f} s (goal < 1 s warm); "
              f"import vae_core {imp:.2f} s; whole process {total:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    throughput(args.epochs, args.repeats, args.latent_dim)
    load_times(args.repeats)


if __name__ == "__main__":
    main()
