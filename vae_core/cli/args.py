"""What every subcommand group shares: a parser whose errors are one line, and argparse types."""

from __future__ import annotations

import argparse
from pathlib import Path


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag prints a single line instead of usage plus error."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def non_negative_int(text: str) -> int:
    # An argparse type, so a bad value gets the parser's one-line error naming the flag.
    if not text.isdecimal():
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return int(text)


def seed_int(text: str) -> int:
    """The one --seed type of every subcommand: the range TrainConfig accepts, which numpy's and torch's
    generators both take (-1 and 10**23 used to escape from them as tracebacks)."""
    from ..vae.train_config import SEED_LIMIT

    if not (text.isdecimal() and len(text) <= 10 and int(text) < SEED_LIMIT):
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 2**32 - 1, got {text!r}")
    return int(text)


def require_json_object(path: str) -> None:
    """A --config file must be a small JSON object; anything else is one ConfigError line here, before
    the options inside are checked (by TrainConfig)."""
    from ..errors import ConfigError
    from ..fileio import parse_json, read_regular_file
    from ..vae.train_config import MAX_CONFIG_BYTES

    if not Path(path).exists():
        return  # the loader reports a missing file in its own words
    raw = read_regular_file(path, MAX_CONFIG_BYTES, ConfigError, f"--config {path}")
    value = parse_json(raw, ConfigError, f"--config {path}")
    if not isinstance(value, dict):
        kind = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(type(value), "a number")
        raise ConfigError(f"--config {path} must hold a JSON object of training options, got {kind}")


INVERT_CHOICES = {"auto": None, "yes": True, "no": False}


def preprocessed_images(paths: list[str], image_shape, invert: str) -> tuple[list, int]:
    """([(path, pixels)], failures): each image file preprocessed like MNIST. A file the user got wrong
    prints one `error:` line naming it and is skipped, so the other files are still processed."""
    import sys

    from ..data.imageio import open_image
    from ..errors import VAECoreError
    from ..images.preprocess import mnist_style

    done, failures = [], 0
    for path in paths:
        try:
            done.append((path, mnist_style(open_image(path), image_shape, INVERT_CHOICES[invert])))
        except VAECoreError as exc:
            message = str(exc) if str(exc).startswith(path) else f"{path}: {exc}"
            print(f"error: {message}", file=sys.stderr)
            failures += 1
    return done, failures
