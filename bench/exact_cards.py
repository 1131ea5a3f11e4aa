"""Write the exact test log-likelihood of the 2-D models into their model cards, beside the IW figure.

    python -m bench.exact_cards [--limit 1000] [--write-cards]

mnist-2d: the first --limit images of the MNIST test set (../shared/data/mnist; the whole 10,000 takes about
an hour on a 2-core CPU at ~0.3 s an image); digits-2d: the same 180 held-out images its card already uses.
The IW estimate (K = 1000) is recomputed on exactly the same images so the two figures compare.
"""

from __future__ import annotations

import argparse
import time

import torch

from bench.harness import MNIST_TEST, print_header
from vae_core import load_dataset, load_model
from vae_core.cli.models import exact_summary
from vae_core.vae.model_card import write_card_section
from vae_core.vae.objectives import evaluate
from vae_core.vae.train import split_indices


def images(name, model, limit):
    if model.card["data"]["name"] == "mnist-5k":
        x = torch.from_numpy(load_dataset(f"idx:{MNIST_TEST}").x[:limit])
        return x, f"the first {len(x):,} images of the MNIST test set"
    data = load_dataset(model.card["data"]["name"])
    cfg = model.card["train_config"]
    _, va = split_indices(len(data), cfg["val_fraction"], cfg["seed"])
    return torch.from_numpy(data.x[va]), f"the {len(va)} held-out {data.name} images (used only for early stopping)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["digits-2d", "mnist-2d"])
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--k", type=int, default=1000)
    ap.add_argument("--write-cards", action="store_true")
    args = ap.parse_args()
    print_header()
    for name in args.models:
        model = load_model(name).eval()
        x, where = images(name, model, args.limit)
        torch.manual_seed(0)
        start = time.perf_counter()
        ev = evaluate(model, x, k=args.k)
        exact = exact_summary(model, x, None, ev)
        block = {"data": where, "n": len(x), "k": args.k, "iw_log_px": ev.iw_log_px, "iw_se": ev.iw_se,
                 "median_ess": ev.median_ess, **exact}
        print(f"{name} on {where}: exact log p(x) {exact['exact_log_px']:.3f}, IW K={args.k} {ev.iw_log_px:.3f} "
              f"± {ev.iw_se:.3f} (IW below exact by {exact['iw_shortfall']:.3f}); exact gap {exact['exact_gap']:.3f}, "
              f"IW 'gap' {ev.gap:.3f}; median ESS {ev.median_ess:.0f}; {time.perf_counter() - start:.0f} s", flush=True)
        if args.write_cards:
            # Merged: the IW evaluation bench.bench_quality wrote stays beside the exact figures.
            sidecar_path = write_card_section(name, "evaluation", {"exact": block}, merge=True)
            print(f"  wrote {sidecar_path} and README.md")


if __name__ == "__main__":
    main()
