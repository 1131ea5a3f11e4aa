"""The ``fit1d`` subcommand: fit a GMM by EM and a 1-D VAE to one CSV column.

    python -m vae_core fit1d TRAIN.csv [--test TEST.csv] [--k K] [--seed S] --json
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import VAECoreError
from ..oned import data1d, gmm1d, vae1d
from ..oned.fit1d import fit_both
from .args import seed_int

HELP = "fit a GMM (EM) and a VAE to one numeric CSV column and compare them"


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("train", help="CSV file with one numeric column, header optional")
    parser.add_argument("--test", help="CSV file of held-out points, same format")
    parser.add_argument("--k", type=int, default=3, help="number of GMM components (default 3)")
    parser.add_argument("--seed", type=seed_int, default=0, help="seed for initialisation and training (default 0)")
    parser.add_argument("--init", choices=gmm1d.INIT_METHODS, default="kmeans++", help="GMM initialisation")
    parser.add_argument("--n-init", type=int, default=1, help="GMM restarts; the best is kept")
    parser.add_argument("--tol", type=float, default=1e-8,
                        help="EM stops when the mean log-likelihood gains less than this (default 1e-8)")
    parser.add_argument("--max-iter", type=int, default=10_000, help="most EM iterations per start (default 10000)")
    parser.add_argument("--latent-dim", type=int, choices=(1, 2), default=1, help="VAE latent dimension")
    parser.add_argument("--sigma", choices=vae1d.SIGMA_MODES, default="function",
                        help="decoder sigma: one learned constant, or a function of z")
    parser.add_argument("--vae-steps", type=int, default=3000, help="VAE training steps (default 3000)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``fit1d`` on an argparse subparsers object."""
    parser = subparsers.add_parser("fit1d", help=HELP, description=HELP)
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _summary_lines(result: dict) -> list[str]:
    gmm, vae = result["gmm"], result["vae"]
    lines = [f"{result['n_train']} training points, {result['n_test']} test points"]
    lines += [f"warning: {w}" for w in result["warnings"]]
    lines.append(f"GMM K={gmm['k']}: {gmm['n_iter']} EM iterations, converged={gmm['converged']}")
    for w, m, v in zip(gmm["weights"], gmm["means"], gmm["variances"]):
        lines.append(f"  weight {w:.4f}  mean {m:+.4f}  variance {v:.4f}")
    for name, fit in (("GMM", gmm), ("VAE", vae)):
        test = fit["test_log_likelihood"]
        lines.append(f"{name} mean log-likelihood: train {fit['train_log_likelihood']:.4f}"
                     + ("" if test is None else f", test {test:.4f}"))
    lines.append(f"VAE mean ELBO: train {vae['train_elbo']:.4f}"
                 + ("" if vae["test_elbo"] is None else f", test {vae['test_elbo']:.4f}"))
    return lines


def run(args: argparse.Namespace) -> int:
    try:
        train = data1d.read_csv(args.train)
        test = data1d.read_csv(args.test) if args.test else None
        config = vae1d.VAE1DConfig(latent_dim=args.latent_dim, sigma_mode=args.sigma, steps=args.vae_steps,
                                   seed=args.seed)
        result = fit_both(train.values, None if test is None else test.values, k=args.k, seed=args.seed,
                          gmm_options={"init": args.init, "n_init": args.n_init,
                                       "tol": args.tol, "max_iter": args.max_iter},
                          vae_config=config)
    except VAECoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result["warnings"] = train.warnings + ([] if test is None else test.warnings) + result["warnings"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(_summary_lines(result)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vae_core.cli.fit1d", description=HELP)
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
