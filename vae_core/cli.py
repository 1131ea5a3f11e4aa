"""python -m vae_core: models, train, evaluate, encode, decode.

User mistakes (a wrong name, path or flag, an unreadable image) print one
line starting with "error:" and exit non-zero; only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

from . import cli_fit1d
from .errors import ConfigError, VAECoreError


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag prints a single line instead of usage plus error."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def non_negative_int(text: str) -> int:
    # An argparse type, so a bad value gets the parser's one-line error naming the flag.
    if not text.isdecimal():
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m vae_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    sub.add_parser("models", help="list the pretrained models").add_argument("--json", action="store_true")

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
                       ("weight-decay", float), ("samples", int), ("kl-warmup-epochs", int),
                       ("val-fraction", float), ("seed", int), ("threads", int)]:
        t.add_argument(f"--{name}", type=kind)
    t.add_argument("--augment-shift", type=non_negative_int, metavar="PX",
                   help="shift each training image at random by up to PX pixels, 0 to 4 (default 0: off)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    e = sub.add_parser("evaluate", help="ELBO terms and importance-weighted NLL on a data set")
    e.add_argument("--model", required=True)
    e.add_argument("--data", required=True)
    e.add_argument("--split", default="train", choices=["train", "test"])
    e.add_argument("--k", type=int, default=1000, help="importance samples per image (default 1000)")
    e.add_argument("--limit", type=int, help="evaluate only the first N images")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true")

    n = sub.add_parser("encode", help="print mu and logvar of q(z|x) for image files")
    n.add_argument("--model", required=True)
    n.add_argument("images", nargs="+", metavar="IMAGE")
    n.add_argument("--invert", choices=["auto", "yes", "no"], default="auto",
                   help="treat the image as dark ink on light paper (auto: decide from the border)")
    n.add_argument("--json", action="store_true")

    d = sub.add_parser("decode", help="decode one latent vector to a PNG")
    d.add_argument("--model", required=True)
    d.add_argument("--z", required=True, nargs="+", help="latent values, space- or comma-separated")
    d.add_argument("--label", type=int, help="class index for a conditional model")
    d.add_argument("--scale", type=int, default=1, help="enlarge the PNG by this integer factor")
    d.add_argument("-o", "--out", required=True, help="PNG file to write")

    cli_fit1d.add_parser(sub)
    return parser


def cmd_models(args) -> int:
    from .registry import list_models, model_card

    rows = []
    for name in list_models():
        card = model_card(name)
        cfg = card["config"]
        rows.append({"name": name, "latent_dim": cfg["latent_dim"], "likelihood": cfg["likelihood"],
                     "data": card.get("data", {}).get("name"),
                     "test_nll": card.get("evaluation", {}).get("nll")})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            nll = f"  test NLL {r['test_nll']:.2f} nats" if r["test_nll"] is not None else ""
            print(f"{r['name']:<16} {r['latent_dim']:>2}-D latent  {r['likelihood']:<9} trained on {r['data']}{nll}")
    return 0


def cmd_train(args) -> int:
    from .train import TrainConfig, train_and_save

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
    cfg = TrainConfig.from_json(args.config, **overrides) if args.config else TrainConfig(**overrides)
    command = "python -m vae_core " + shlex.join(sys.argv[1:] if args.argv is None else args.argv)
    result = train_and_save(cfg, args.out, command=command, progress=not args.quiet)
    best = result.best
    print(f"wrote {args.out}: best epoch {result.best_epoch}/{len(result.history)}, "
          f"val ELBO {best['val_elbo']:.2f} nats, {result.train_time_s:.1f} s")
    return 0


def cmd_evaluate(args) -> int:
    from .datasets import load_dataset
    from .objectives import evaluate
    from .registry import load_model

    if args.k < 1:
        raise ConfigError("--k must be at least 1")
    model = load_model(args.model)
    data = load_dataset(args.data, args.split)
    if data.image_shape != model.config.image_shape:
        raise ConfigError(f"{args.data} has {data.image_shape} images but the model takes {model.config.image_shape}")
    x = torch.from_numpy(data.x[: args.limit])
    y = torch.from_numpy(data.y[: args.limit]) if model.config.conditional else None
    torch.manual_seed(args.seed)
    ev = evaluate(model, x, y, k=args.k)
    if args.json:
        print(json.dumps({"model": args.model, "data": args.data, "split": args.split, **ev.to_dict()}, indent=2))
    else:
        print(f"{args.model} on {data.name} ({ev.n} images, K={ev.k})")
        print(f"  ELBO                {ev.elbo:10.3f} nats")
        print(f"    E_q[log p(x|z)]   {ev.reconstruction:10.3f}")
        print(f"    KL(q(z|x)||p(z))  {ev.kl:10.3f}")
        print(f"  log p(x) (IW, K={ev.k}) {ev.iw_log_px:8.3f}")
        print(f"  NLL                 {ev.nll:10.3f} nats")
        print(f"  gap log p(x)-ELBO   {ev.gap:10.3f}")
        print(f"  Var[log w] (self-consistency) {ev.self_consistency:.3f}")
    return 0


def cmd_encode(args) -> int:
    from .imageio import open_image
    from .preprocess import mnist_style
    from .registry import load_model

    model = load_model(args.model)
    invert = {"auto": None, "yes": True, "no": False}[args.invert]
    failures, rows = 0, []
    for path in args.images:
        try:
            pixels = mnist_style(open_image(path), model.config.image_shape, invert)
        except VAECoreError as exc:
            message = str(exc) if str(exc).startswith(path) else f"{path}: {exc}"
            print(f"error: {message}", file=sys.stderr)
            failures += 1
            continue
        with torch.no_grad():
            mu, logvar = model.encode(torch.from_numpy(pixels).reshape(1, -1))
        rows.append({"image": path, "mu": mu[0].tolist(), "logvar": logvar[0].tolist()})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            fmt = lambda v: " ".join(f"{a:+.4f}" for a in v)  # noqa: E731
            print(f"{r['image']}\n  mu     {fmt(r['mu'])}\n  logvar {fmt(r['logvar'])}")
    return 1 if failures else 0


def cmd_decode(args) -> int:
    from PIL import Image

    from .fileio import atomic_write_bytes
    from .registry import load_model

    try:
        z = [float(v) for part in args.z for v in part.replace(",", " ").split()]
    except ValueError:
        raise ConfigError(f"--z must be numbers, got {' '.join(args.z)!r}") from None
    if not all(np.isfinite(z)):
        raise ConfigError("--z values must be finite")
    if args.scale < 1 or args.scale > 64:
        raise ConfigError("--scale must be from 1 to 64")
    model = load_model(args.model)
    if len(z) != model.config.latent_dim:
        raise ConfigError(f"{args.model} has a {model.config.latent_dim}-D latent; --z gave {len(z)} values")
    with torch.no_grad():
        x = model.decode(torch.tensor([z]), args.label).reshape(model.config.image_shape).numpy()
    img = Image.fromarray(np.round(x * 255).astype(np.uint8), mode="L")
    if args.scale > 1:
        img = img.resize((img.width * args.scale, img.height * args.scale), Image.Resampling.NEAREST)
    import io

    buf = io.BytesIO()
    img.save(buf, format="PNG")
    atomic_write_bytes(Path(args.out), buf.getvalue())
    print(f"wrote {args.out}")
    return 0


COMMANDS = {"models": cmd_models, "train": cmd_train, "evaluate": cmd_evaluate,
            "encode": cmd_encode, "decode": cmd_decode}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = argv
    handler = COMMANDS.get(args.command) or args.func
    try:
        return handler(args)
    except VAECoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
