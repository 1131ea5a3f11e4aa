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
import itertools
import tempfile

import torch

from bench.harness import alternate, print_header, repeat, run_python, summarize
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
    ours_runs, ref_runs = alternate(lambda: train(ours_cfg, data, progress=False),
                                    lambda: train_reference(x, latent_dim, epochs=epochs, seed=1), repeats)
    # Each loop counts its own images per second (training only), so the figures are theirs, not the wall time.
    ours = [result.images_per_s for result in ours_runs.results]
    ref = [rate for _, rate, _ in ref_runs.results]
    o, r = summarize(ours).median, summarize(ref).median
    print(f"training throughput, 784-400-{latent_dim}, {epochs} epochs x {repeats} alternating runs, "
          f"{torch.get_num_threads()} threads")
    print(f"  vae_core loop     {o:8.0f} images/s   (runs: {', '.join(f'{v:.0f}' for v in ours)})")
    print(f"  reference loop    {r:8.0f} images/s   (runs: {', '.join(f'{v:.0f}' for v in ref)})")
    print(f"  ratio             {o / r:8.2f}x  (goal >= 1.0)")
    shipped = train(TrainConfig(latent_dim=latent_dim, epochs=epochs, patience=epochs, seed=1), data,
                    progress=False)
    print(f"  shipped architecture 784-512-256-{latent_dim}: {shipped.images_per_s:.0f} images/s")


def load_times(repeats: int) -> None:
    print(f"load default model and data set (fresh interpreter each, median of {repeats})")
    with tempfile.TemporaryDirectory(prefix="vae_bench_cache_") as scratch:
        caches = (f"{scratch}/cold-{i}" for i in itertools.count())  # a cold run gets an empty cache of its own
        for label, fresh in (("cold cache", True), ("warm cache", False)):
            def once(fresh=fresh):
                return run_python(LOAD_SNIPPET, env={"VAE_CORE_CACHE": next(caches) if fresh else f"{scratch}/warm"})

            runs = repeat(once, repeats, warmup=0 if fresh else 1)  # the warm-up run fills the warm cache
            imp, load = (summarize(float(out.split()[i]) for out in runs.results).median for i in range(2))
            print(f"  {label}: load_model + load_dataset {load:.3f} s (goal < 1 s warm); "
                  f"import vae_core {imp:.2f} s; whole process {runs.median:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    print_header()
    if args.threads:
        torch.set_num_threads(args.threads)
    throughput(args.epochs, args.repeats, args.latent_dim)
    load_times(args.repeats)


if __name__ == "__main__":
    main()
