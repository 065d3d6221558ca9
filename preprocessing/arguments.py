"""Argument types shared by the project's commands (argparse ``type=``)."""

import argparse

__all__ = ["fraction", "whole_number"]


def whole_number(minimum):
    """Make an argparse type that accepts whole numbers from ``minimum`` up.

    Parameters
    ----------
    minimum : int
        Smallest accepted value.

    Returns
    -------
    callable
        ``parse(text) -> int``, raising ``argparse.ArgumentTypeError``.
    """
    def parse(text):
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {number}")
        return number
    return parse


def fraction(text):
    """Parse a number from 0 to 1 (argparse type).

    Parameters
    ----------
    text : str

    Returns
    -------
    float
    """
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}")
    return value
