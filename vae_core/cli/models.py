"""Subcommands about models: ``models`` (list), ``train`` and ``evaluate``."""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import fields

import torch

from ..data.binarize import TEST_BINARIZE_SEED
from ..errors import CheckpointError, ConfigError
from .args import non_negative_int, require_json_object, seed_int

# Importance samples per image for evaluate: K = 10,000 on 10,000 MNIST images is already minutes of CPU.
MAX_K = 10_000


def add_parsers(sub) -> None:
    m = sub.add_parser("models", help="list the pretrained models")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=cmd_models)

    t = sub.add_parser("train", help="train a VAE and write a checkpoint")
    t.add_argument("--config", help="JSON file of training options; flags given here override it")
    t.add_argument("--out", required=True, help="checkpoint folder or .safetensors path to write")
    t.add_argument("--data", help="data set name (default mnist-5k)")
    t.add_argument("--latent-dim", type=int)
    t.add_argument("--hidden", help="comma-separated encoder layer widths, e.g. 512,256")
    t.add_argument("--likelihood", choices=["bernoulli", "gaussian"])
    t.add_argument("--beta", type=float, help="gaussian decoder standard deviation (variance beta^2)")
    t.add_argument("--conditional", action="store_true", default=None, help="train a conditional VAE")
    for name, kind in [("epochs", int), ("patience", int), ("batch-size", int), ("lr", float),
                       ("weight-decay", float), ("kl-weight", float), ("samples", int), ("kl-warmup-epochs", int),
                       ("val-fraction", float), ("seed", seed_int), ("threads", int)]:
        t.add_argument(f"--{name}", type=kind)
    t.add_argument("--augment-shift", type=non_negative_int, metavar="PX",
                   help="shift each training image at random by up to PX pixels, 0 to 4 (default 0: off)")
    t.add_argument("--binarize", choices=["none", "dynamic"],
                   help="dynamic: train on a fresh x_b ~ Bernoulli(x) of every image every epoch, so the Bernoulli "
                        "log p(x) is a true log-likelihood of binary images (default none: grey values)")
    t.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="auto: a CUDA GPU when there is one (default); under torchrun each rank uses its local GPU")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="ELBO terms and importance-weighted NLL on a data set")
    e.add_argument("--model", required=True)
    e.add_argument("--data", required=True)
    e.add_argument("--split", default="train", choices=["train", "test"])
    e.add_argument("--k", type=int, default=1000,
                   help=f"importance samples per image (default 1000, at most {MAX_K:,})")
    e.add_argument("--limit", type=int, help="evaluate only the first N images")
    e.add_argument("--seed", type=seed_int, default=0)
    e.add_argument("--binarize", choices=["auto", "yes", "no"], default="auto",
                   help="evaluate one seeded binarisation x_b ~ Bernoulli(x) of the images (auto: when the model "
                        "was trained on binarised pixels, so its Bernoulli log p(x) is a true log-likelihood)")
    e.add_argument("--binarize-seed", type=non_negative_int, default=TEST_BINARIZE_SEED,
                   help=f"the seed of that binarisation (default {TEST_BINARIZE_SEED}, the model cards')")
    e.add_argument("--exact", action="store_true",
                   help="also the exact log p(x) and gap by quadrature (1-D and 2-D latents; about 0.3 s per image)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_evaluate)


def cmd_models(args) -> int:
    from ..vae.pixels import figure_names
    from ..vae.registry import list_models, model_card

    rows = []
    for name in list_models():
        card = model_card(name)
        cfg = card["config"]
        ev = card.get("evaluation", {})
        rows.append({"name": name, "latent_dim": cfg["latent_dim"], "likelihood": cfg["likelihood"],
                     "binarized": bool(cfg.get("binarized", False)), "data": card.get("data", {}).get("name"),
                     "test_nll": ev.get("exact", {}).get("exact_nll", ev.get("nll")),
                     "true_log_likelihood": figure_names(cfg).true_likelihood})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            what = "test NLL" if r["true_log_likelihood"] else "test cross-entropy score (not an NLL)"
            nll = f"  {what} {r['test_nll']:.2f} nats" if r["test_nll"] is not None else ""
            print(f"{r['name']:<16} {r['latent_dim']:>2}-D latent  {r['likelihood']:<9} trained on {r['data']}{nll}")
    return 0


def cmd_train(args) -> int:
    from ..data.datasets import load_dataset
    from ..vae.checkpoint import check_free_space, checkpoint_bytes
    from ..vae.train import TrainConfig, model_config, train_and_save

    overrides = {}
    for f in fields(TrainConfig):
        value = getattr(args, f.name, None)
        if value is not None:
            overrides[f.name] = value
    if args.hidden is not None:
        try:
            overrides["hidden"] = tuple(int(h) for h in args.hidden.split(","))
        except ValueError:
            raise ConfigError(f"--hidden must be comma-separated integers, got {args.hidden!r}") from None
    if args.config:
        require_json_object(args.config)
    cfg = TrainConfig.from_json(args.config, **overrides) if args.config else TrainConfig(**overrides)
    command = "python -m vae_core " + shlex.join(sys.argv[1:] if args.argv is None else args.argv)
    import os

    main_rank = os.environ.get("RANK", "0") == "0"  # under torchrun only rank 0 writes and reports
    data = load_dataset(cfg.data)  # here, not in train_and_save: its image shape sizes the checkpoint
    if main_rank:  # a full disk found after training would throw the whole run away
        check_free_space(args.out, checkpoint_bytes(model_config(cfg, data), cfg.epochs))
    try:
        result = train_and_save(cfg, args.out, command=command, progress=not args.quiet and main_rank,
                                data=data, device=args.device)
    except OSError as exc:  # the disk filled up during training, a folder was removed: one line, no traceback
        raise CheckpointError(f"could not write the checkpoint to {args.out} ({exc.strerror or exc}); "
                              "this run's training is lost") from None
    if not main_rank:
        return 0
    best = result.best
    print(f"wrote {args.out}: best epoch {result.best_epoch}/{len(result.history)}, "
          f"val ELBO {best['val_elbo']:.2f} nats, {result.train_time_s:.1f} s")
    return 0


def exact_summary(model, x, y, ev) -> dict:
    """Data-set averages of the exact log p(x) and gap (vae_core.latent.exact), beside the IW figure."""
    from ..latent.exact import exact_posterior

    posts = [exact_posterior(model, x[i:i + 1], None if y is None else y[i]) for i in range(x.shape[0])]
    log_px = sum(p.log_px for p in posts) / len(posts)
    return {"exact_log_px": log_px, "exact_nll": -log_px, "exact_elbo": sum(p.elbo for p in posts) / len(posts),
            "exact_gap": sum(p.gap for p in posts) / len(posts), "iw_shortfall": log_px - ev.iw_log_px}


def cmd_evaluate(args) -> int:
    from ..data.binarize import binarize
    from ..data.datasets import load_dataset
    from ..vae.iw_stats import LOW_ESS
    from ..vae.objectives import evaluate
    from ..vae.pixels import GREY_SCORE, GREY_SCORE_WHY
    from ..vae.registry import load_model

    if args.k < 1:
        raise ConfigError("--k must be at least 1")
    if args.k > MAX_K:
        raise ConfigError(f"--k must be at most {MAX_K:,} (the estimate's gain beyond that is far below its cost)")
    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be at least 1 image, got {args.limit}")
    model = load_model(args.model)
    if args.exact and model.config.latent_dim > 2:
        raise ConfigError(f"--exact needs a 1-D or 2-D latent; {args.model}'s is {model.config.latent_dim}-D: "
                          "use the importance-weighted figure (--k)")
    data = load_dataset(args.data, args.split)
    if data.image_shape != model.config.image_shape:
        raise ConfigError(f"{args.data} has {data.image_shape} images but the model takes {model.config.image_shape}")
    x = torch.from_numpy(data.x[: args.limit])
    y = torch.from_numpy(data.y[: args.limit]) if model.config.conditional else None
    if args.binarize == "yes" and model.config.likelihood != "bernoulli":
        raise ConfigError("--binarize yes is for a bernoulli decoder; a gaussian one models grey values")
    seed = args.binarize_seed if args.binarize == "yes" or (args.binarize == "auto" and model.config.binarized) \
        else None
    torch.manual_seed(args.seed)
    ev = evaluate(model, x, y, k=args.k, binarize_seed=seed)
    exact = exact_summary(model, x if seed is None else binarize(x, seed), y, ev) if args.exact else {}
    # Binary pixels under a Bernoulli decoder, or any pixels under a Gaussian density: a true log-likelihood.
    true = seed is not None or model.config.likelihood == "gaussian"
    if args.json:
        print(json.dumps({"model": args.model, "data": args.data, "split": args.split, **ev.to_dict(), **exact,
                          "true_log_likelihood": true}, indent=2))
    else:
        print(f"{args.model} on {data.name} ({ev.n} images, K={ev.k})")
        if seed is not None:
            print(f"  pixels: one binarisation x_b ~ Bernoulli(x) drawn with seed {seed}: true log-likelihoods")
        elif not true:
            print(f"  pixels: grey values; every log p(x) below is a {GREY_SCORE} ({GREY_SCORE_WHY})")
        print(f"  ELBO                {ev.elbo:10.3f} ± {ev.elbo_se:.3f} nats "
              f"(S={ev.elbo_samples}; ± one MC standard error)")
        print(f"    E_q[log p(x|z)]   {ev.reconstruction:10.3f}")
        print(f"    KL(q(z|x)||p(z))  {ev.kl:10.3f}")
        print(f"  log p(x) (IW, K={ev.k}) {ev.iw_log_px:8.3f} ± {ev.iw_log_px_se:.3f} (MC SE); median ESS "
              f"{ev.median_ess:.0f} of {ev.k}, {ev.low_ess_fraction:.0%} of images below {LOW_ESS:.0f}")
        print("    a lower bound on log p(x): its MC SE is the draw-to-draw noise only, not its distance below "
              "log p(x), which a small ESS hides")
        if exact:
            print(f"  log p(x) (exact)    {exact['exact_log_px']:10.3f}  (IW below it by {exact['iw_shortfall']:.3f})")
            print(f"  exact gap           {exact['exact_gap']:10.3f}  KL(q(z|x)||p(z|x)), quadrature ELBO")
        print(f"  NLL (IW)            {ev.nll:10.3f} nats  (an upper bound on the NLL)")
        print(f"  IW - ELBO           {ev.gap:10.3f} ± {ev.gap_se:.3f}  (a lower bound on the gap log p(x) - ELBO)")
        print(f"  Var[log w] (self-consistency) {ev.self_consistency:.3f}")
    return 0
