"""Prepare MNIST training digits for fitting."""

import numpy as np
from joblib import Parallel, delayed

from preprocessing.extract import redraw_mnist_digit

# Digits redrawn per task: large enough to keep the workers' overhead small.
_CHUNK = 4000


def _redraw(digits):
    return np.stack([redraw_mnist_digit(d) for d in digits])


def redraw_like_photos(digits, n_jobs=-1):
    """Redraw MNIST digits with the strokes photo digits get.

    Parameters
    ----------
    digits : ndarray of shape (N, 28, 28), uint8
    n_jobs : int, default -1
        Worker processes (joblib's convention: -1 for one per core).

    Returns
    -------
    ndarray of shape (N, 28, 28), uint8
    """
    if len(digits) == 0:
        return digits.copy()
    chunks = [digits[i:i + _CHUNK] for i in range(0, len(digits), _CHUNK)]
    if len(chunks) == 1:
        return _redraw(chunks[0])
    return np.concatenate(Parallel(n_jobs=n_jobs)(delayed(_redraw)(c) for c in chunks))
