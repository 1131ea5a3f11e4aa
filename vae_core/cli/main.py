"""python -m vae_core: models, train, evaluate, encode, decode, fit1d.

User mistakes (a wrong name, path or flag, an unreadable image) print one
line starting with "error:" and exit non-zero; only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import VAECoreError
from . import classify, fit1d, images, models
from .args import OneLineParser


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m vae_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    models.add_parsers(sub)
    images.add_parsers(sub)
    fit1d.add_parser(sub)
    classify.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = argv
    handler = args.func
    try:
        return handler(args)
    except VAECoreError as exc:
        detail = f" ({exc.local_detail})" if exc.local_detail else ""  # server paths: fine for the machine's user
        print(f"error: {exc}{detail}", file=sys.stderr)
        return 2
    except OSError as exc:  # -o into a missing folder, a full disk: the machine's state, not a bug in here
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
