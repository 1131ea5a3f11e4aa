"""Subcommands about single images: ``encode`` image files and ``decode`` a latent vector to a PNG."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError
from .args import preprocessed_images

# The prior is N(0, I): |z| of 1,000 is a thousand standard deviations out, where the decoder only extrapolates;
# far beyond it (1e308) the first layer overflows to inf and the image is made of NaN.
MAX_ABS_Z = 1000.0


def add_parsers(sub) -> None:
    n = sub.add_parser("encode", help="print mu and logvar of q(z|x) for image files")
    n.add_argument("--model", required=True)
    n.add_argument("images", nargs="+", metavar="IMAGE")
    n.add_argument("--invert", choices=["auto", "yes", "no"], default="auto",
                   help="treat the image as dark ink on light paper (auto: decide from the border)")
    n.add_argument("--json", action="store_true")
    n.set_defaults(func=cmd_encode)

    d = sub.add_parser("decode", help="decode one latent vector to a PNG")
    d.add_argument("--model", required=True)
    d.add_argument("--z", required=True, nargs="+", help="latent values, space- or comma-separated")
    d.add_argument("--label", type=int, help="class index for a conditional model")
    d.add_argument("--scale", type=int, default=1, help="enlarge the PNG by this integer factor")
    d.add_argument("-o", "--out", required=True, help="PNG file to write")
    d.set_defaults(func=cmd_decode)


def cmd_encode(args) -> int:
    from ..vae.registry import load_model

    model = load_model(args.model)
    images, failures = preprocessed_images(args.images, model.config.image_shape, args.invert)
    rows = []
    for path, pixels in images:
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

    from ..fileio import atomic_write_bytes
    from ..vae.registry import load_model

    try:
        z = [float(v) for part in args.z for v in part.replace(",", " ").split()]
    except ValueError:
        raise ConfigError(f"--z must be numbers, got {' '.join(args.z)!r}") from None
    if not all(np.isfinite(z)):
        raise ConfigError("--z values must be finite")
    if any(abs(v) > MAX_ABS_Z for v in z):
        raise ConfigError(f"--z values must lie within ±{MAX_ABS_Z:,.0f} (the prior is N(0, I)), got "
                          f"{max(z, key=abs):g}")
    if args.scale < 1 or args.scale > 64:
        raise ConfigError("--scale must be from 1 to 64")
    if Path(args.out).is_dir():
        raise ConfigError(f"-o {args.out} is a folder; give a PNG file name such as {Path(args.out) / 'decoded.png'}")
    model = load_model(args.model)
    if args.label is not None and not model.config.conditional:
        raise ConfigError(f"--label is for conditional models; {args.model} is unconditional, so leave it out")
    if len(z) != model.config.latent_dim:
        raise ConfigError(f"{args.model} has a {model.config.latent_dim}-D latent; --z gave {len(z)} values")
    with torch.no_grad():
        x = model.decode(torch.tensor([z]), args.label).reshape(model.config.image_shape).numpy()
    if not np.all(np.isfinite(x)):
        raise ConfigError(f"--z {' '.join(args.z)}: the decoder gave no finite image for this z; try values nearer 0")
    img = Image.fromarray(np.round(x * 255).astype(np.uint8), mode="L")
    if args.scale > 1:
        img = img.resize((img.width * args.scale, img.height * args.scale), Image.Resampling.NEAREST)
    import io

    buf = io.BytesIO()
    img.save(buf, format="PNG")
    atomic_write_bytes(Path(args.out), buf.getvalue())
    print(f"wrote {args.out}")
    return 0
