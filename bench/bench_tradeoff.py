"""The three beta^2 trade-off models side by side: reconstruction error, KL, holes, active units.

    python -m bench.bench_tradeoff [--tau 2] [--write-cards]

Measured on the first 2,000 mnist-5k images (the images the page uses), the
prior-hole mass from 10,000 prior draws. --write-cards stores the figures in each
model's sidecar and README.md.
"""

from __future__ import annotations

import argparse

from bench.harness import print_header, timed
from vae_core import load_dataset, load_model
from vae_core.latent.decoder_variance import tradeoff_summary
from vae_core.vae.model_card import write_card_section

MODELS = ("tradeoff-beta2-0.02", "tradeoff-beta2-0.2", "tradeoff-beta2-2")
N_IMAGES = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tau", type=float, default=2.0)
    parser.add_argument("--write-cards", action="store_true")
    args = parser.parse_args()
    print_header()
    data = load_dataset("mnist-5k")
    print(f"{'model':<22}{'beta^2':>8}{'||x-mu_D||^2':>14}{'avg KL':>9}{'hole mass':>16}{'active':>8}{'time':>7}")
    for name in MODELS:
        seconds, s = timed(tradeoff_summary, load_model(name), data.x[:N_IMAGES], tau=args.tau)
        print(f"{name:<22}{s.beta2:>8.3g}{s.squared_error:>14.2f}{s.average_kl:>9.2f}"
              f"{100 * s.prior_hole_mass:>9.1f}% ± {100 * s.prior_hole_se:.1f}{s.active_units:>6}/{s.latent_dim}"
              f"{seconds:>6.0f}s", flush=True)
        if args.write_cards:
            write_card_section(name, "tradeoff", {**s.to_dict(), "data": f"the first {N_IMAGES:,} mnist-5k images"})


if __name__ == "__main__":
    main()
