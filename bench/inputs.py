"""What the benchmarks need before they start: a reader and digit shapes.

Each loader prints a one-line error on standard error and returns None when
its input is missing or unusable, so a benchmark can stop with status 1.
"""

import os
import sys


def load_reader(model_path):
    """A DigitReader around the model at ``model_path``, or None.

    Parameters
    ----------
    model_path : pathlib.Path

    Returns
    -------
    preprocessing.reader.DigitReader or None
    """
    from preprocessing.reader import DigitReader
    from train import ModelError, load_model

    if not model_path.is_file():
        print(f"error: no model at {model_path}; train one with: python -m train",
              file=sys.stderr)
        return None
    try:
        return DigitReader(load_model(model_path))
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def load_glyphs(mnist_dir=None):
    """Digit shapes for generated sheets: MNIST test digits and handwriting fonts.

    Parameters
    ----------
    mnist_dir : str, optional
        Folder of the MNIST test files; ``MNIST_DIR`` if None.

    Returns
    -------
    samples.glyphs.GlyphSource or None
    """
    from samples.glyphs import GlyphSource, load_mnist_digits

    data = load_mnist_digits(mnist_dir or os.environ.get("MNIST_DIR"))
    if data is None:
        print("error: MNIST test digits not found: pass --mnist-dir DIR or set MNIST_DIR",
              file=sys.stderr)
        return None
    return GlyphSource(data[0], data[1], fonts=True)
