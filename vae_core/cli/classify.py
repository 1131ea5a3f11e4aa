"""``classify``: generative classification of image files with a conditional VAE.

For every candidate label y it prints log p(x|y), importance-sampled with K
samples per label, its Monte Carlo standard error, and p(y|x) under a uniform p(y).
"""

from __future__ import annotations

import json

import numpy as np

from ..cvae.classify import MAX_K, check_labels, classify, require_conditional
from ..errors import ConfigError
from .args import preprocessed_images, seed_int


def add_parser(sub) -> None:
    c = sub.add_parser("classify", help="classify image files with a conditional VAE: argmax_y p(x|y) p(y)")
    c.add_argument("--model", required=True, help="a conditional model, e.g. mnist-cvae-2d")
    c.add_argument("images", nargs="+", metavar="IMAGE")
    c.add_argument("--k", type=int, default=100, help="importance samples per label (default 100)")
    c.add_argument("--labels", nargs="+", help="score only these label indices (default: all)")
    c.add_argument("--invert", choices=["auto", "yes", "no"], default="auto",
                   help="treat the image as dark ink on light paper (auto: decide from the border)")
    c.add_argument("--seed", type=seed_int, default=0)
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_classify)


def cmd_classify(args) -> int:
    from ..vae.registry import load_model

    if not 1 <= args.k <= MAX_K:
        raise ConfigError(f"--k must be from 1 to {MAX_K}, got {args.k}")
    model = load_model(args.model)
    require_conditional(model)
    labels = None if args.labels is None else check_labels(model, args.labels)
    names = list(model.config.labels)
    images, failures = preprocessed_images(args.images, model.config.image_shape, args.invert)
    rows = []
    for path, pixels in images:
        result = classify(model, np.asarray(pixels).reshape(1, -1), k=args.k, labels=labels, seed=args.seed)
        rows.append({"image": path, **result.to_dict(names)[0]})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(f"{r['image']}: {names[r['predicted']]}  (K = {r['k']} per label)")
            for e in r["labels"]:
                print(f"  y={e['name']:<4} log p(x|y) {e['log_px_y']:10.2f} +- {e['se']:.2f}   "
                      f"p(y|x) {e['posterior']:.4f}")
    return 1 if failures else 0
