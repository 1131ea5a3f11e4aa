"""What every subcommand group shares: a parser whose errors are one line, and argparse types."""

from __future__ import annotations

import argparse


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag prints a single line instead of usage plus error."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def non_negative_int(text: str) -> int:
    # An argparse type, so a bad value gets the parser's one-line error naming the flag.
    if not text.isdecimal():
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return int(text)
