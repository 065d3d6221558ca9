"""Fixtures shared by the whole test suite."""

import os
from pathlib import Path

import pytest

from train.classifier import DigitClassifier
from train.mnist import MNIST_FILES

# Read at import: some test modules clear MNIST_DIR around each of their tests.
_MNIST_DIR = os.environ.get("MNIST_DIR")
# The classifier's defaults are the k and feature settings cross-validation
# chooses for the default model (see train/tuning.py); training with them
# skips the tuning time in tests.
DEFAULT_K = DigitClassifier().n_neighbors


@pytest.fixture(scope="session")
def mnist_dir():
    """The folder of the real MNIST files: MNIST_DIR, or the per-user cache
    that ``python -m train`` downloads into; skips without either."""
    if not _MNIST_DIR:
        from train.mnist import MnistError, find_mnist_dir
        try:
            return find_mnist_dir(download=False)
        except MnistError:
            pytest.skip("MNIST not found: set MNIST_DIR to a folder holding the four MNIST "
                        "files, or run python -m train once to download them")
    folder = Path(_MNIST_DIR)
    missing = [name for name in MNIST_FILES
               if not any((folder / variant).is_file()
                          for variant in (name, name.removesuffix(".gz")))]
    if missing:
        pytest.skip(f"MNIST_DIR {folder} lacks {', '.join(missing)}")
    return folder


@pytest.fixture(scope="session")
def trained_model_path(mnist_dir, tmp_path_factory):
    """Path of a default model trained on all 60,000 MNIST training digits.

    Trained once per test session through the code of ``python -m train``,
    with the default classifier and feature settings and k fixed to the
    cross-validated value; its reports lie in the same folder.
    """
    from train.__main__ import build_parser, train_and_report

    out = tmp_path_factory.mktemp("model") / "digits.joblib"
    args = build_parser().parse_args(
        ["--data", str(mnist_dir), "--out", str(out), "--k", str(DEFAULT_K), "--quiet"])
    train_and_report(args)
    return out
