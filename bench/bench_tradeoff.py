"""The three beta^2 trade-off models side by side: reconstruction error, KL, holes, active units.

    python -m bench.bench_tradeoff [--tau 2] [--write-cards]

Measured on the first 2,000 mnist-5k images (the images the page uses), the
prior-hole mass from 10,000 prior draws, each figure with its standard error over
the images; then, paired over the same images, the change from each beta^2 to the
next: reconstruction error must rise and average KL fall by more than two standard
errors. --write-cards stores the figures in each model's sidecar and README.md.
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.harness import print_header, timed
from vae_core import load_dataset, load_model
from vae_core.latent.decoder_variance import tradeoff_summary
from vae_core.vae.model_card import write_card_section

MODELS = ("tradeoff-beta2-0.05", "tradeoff-beta2-0.5", "tradeoff-beta2-2")
N_IMAGES = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tau", type=float, default=2.0)
    parser.add_argument("--models", nargs="+", default=list(MODELS), help="checkpoints (names or folders)")
    parser.add_argument("--write-cards", action="store_true")
    args = parser.parse_args()
    print_header()
    data = load_dataset("mnist-5k")
    print(f"{'model':<22}{'beta^2':>8}{'||x-mu_D||^2 ± SE':>20}{'avg KL ± SE':>15}{'hole mass':>16}{'active':>8}"
          f"{'time':>7}")
    summaries = {}
    for name in args.models:
        seconds, s = timed(tradeoff_summary, load_model(name), data.x[:N_IMAGES], tau=args.tau)
        summaries[name] = s
        print(f"{name:<22}{s.beta2:>8.3g}{s.squared_error:>12.2f} ± {s.squared_error_se:.2f}"
              f"{s.average_kl:>9.2f} ± {s.average_kl_se:.2f}"
              f"{100 * s.prior_hole_mass:>9.1f}% ± {100 * s.prior_hole_se:.1f}{s.active_units:>6}/{s.latent_dim}"
              f"{seconds:>6.0f}s", flush=True)
    ordered = sorted(summaries.items(), key=lambda item: item[1].beta2)
    lessons = []
    print("Paired over the same images, from each beta^2 to the next larger one (the lesson needs both > 2 SE):")
    for (a, sa), (b, sb) in zip(ordered, ordered[1:]):
        rows = {}
        for key, label in (("squared_error", "reconstruction error rises"), ("kl", "average KL falls")):
            d = sb.per_image[key] - sa.per_image[key]
            sign = 1 if key == "squared_error" else -1
            mean, se = sign * float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))
            rows[key] = {"change": mean, "se": se}
            verdict = "PASS" if mean > 2 * se else "FAIL"
            print(f"  {a} -> {b}: {label} by {mean:.2f} ± {se:.2f}  {verdict}")
        lessons.append((b, {"from": a, **rows}))
    if args.write_cards:
        changes = dict(lessons)
        for name, s in summaries.items():
            section = {**s.to_dict(), "data": f"the first {N_IMAGES:,} mnist-5k images"}
            if name in changes:
                section["change_from_smaller_beta2"] = changes[name]
            write_card_section(name, "tradeoff", section)


if __name__ == "__main__":
    main()
