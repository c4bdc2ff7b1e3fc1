"""The shared argument-parsing helpers of the lesson's two commands.

``python -m helpers.train`` and ``python -m helpers.check`` both use them.
This file must stay importable by old Pythons (3.8 and up), because
``helpers.check`` imports it before it checks the Python version.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from helpers.error_lines import one_line

# NumPy, TensorFlow and Python's random module all take seeds in this range.
LARGEST_SEED = 2**32 - 1


class OneLineErrorParser(argparse.ArgumentParser):
    """Report a bad command line in one line, not with the usage text.

    The message is joined into one line (``helpers.error_lines.one_line``)
    even when it has several. Its help has a fixed width, so ``--help`` reads
    the same in every terminal and notebook.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("formatter_class", lambda prog: argparse.HelpFormatter(prog, width=78))
        super().__init__(**kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def whole_number_at_least(minimum, why=""):
    """An argparse ``type``: a whole number no smaller than ``minimum`` (``why`` explains the limit)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            reason = f" ({why})" if why else ""
            raise argparse.ArgumentTypeError(f"must be {minimum}{reason} or more, got {value}")
        return value

    return parse


def number_in(low, below, description):
    """An argparse ``type``: a number from ``low`` up to, not including, ``below``.

    ``description`` names the range in messages, such as "0 or more minutes".
    NaN is never in range.
    """

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {description}, got {text!r}") from None
        if not low <= value < below:
            raise argparse.ArgumentTypeError(f"must be {description}, got {text}")
        return value

    return parse


def seed_number(text):
    """An argparse ``type``: a whole number from 0 to LARGEST_SEED."""
    value = whole_number_at_least(0)(text)
    if value > LARGEST_SEED:
        raise argparse.ArgumentTypeError(f"must be at most {LARGEST_SEED}, got {value}")
    return value


def folder_name(text):
    """An argparse ``type``: a folder, refusing an empty name, which would mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder name; an empty one would put the results "
                                         "among the files of the current folder")
    return Path(text)
