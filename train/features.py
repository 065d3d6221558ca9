"""Gradient-orientation features of 28x28 digits.

Each pixel votes with its gradient magnitude for the two nearest of
``bins`` signed orientations; the votes are pooled over a grid of
overlapping Gaussian cells, square-rooted and scaled to unit length. This is
the idea of HOG, computed for a whole stack of digits at once with matrix
products (OpenCV 5 no longer ships ``cv2.HOGDescriptor``).
"""

import numpy as np

from preprocessing.normalize import MNIST_SIZE, deskew_batch


def pooling_matrix(size=MNIST_SIZE, cell=4):
    """Weights that pool a line of pixels into overlapping Gaussian cells.

    Parameters
    ----------
    size : int, default 28
        Number of pixels along the line.
    cell : int, default 4
        Distance in pixels between cell centres; the Gaussian's sigma is
        half of it.

    Returns
    -------
    ndarray, shape (ceil(size / cell), size), float32
        Each row sums to one.
    """
    centres = np.arange(cell / 2 - 0.5, size, cell)
    pixels = np.arange(size)
    weights = np.exp(-0.5 * ((pixels[None, :] - centres[:, None]) / (cell / 2)) ** 2)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


def orientation_histograms(digits, bins=12, cell=4, chunk=4096):
    """Pooled gradient-orientation histograms of digits.

    Parameters
    ----------
    digits : ndarray, shape (N, 28, 28)
        Digits, white ink on black, uint8 or float.
    bins : int, default 12
        Number of signed orientations over the full circle.
    cell : int, default 4
        Spacing of the pooling cells in pixels.
    chunk : int, default 4096
        Digits processed at a time, which bounds the memory used.

    Returns
    -------
    ndarray, shape (N, bins * ceil(28 / cell) ** 2), float32
        Square-rooted histograms scaled to unit length (all zero for a blank
        digit).
    """
    digits = np.asarray(digits)
    pool = pooling_matrix(digits.shape[-1], cell)
    out = np.empty((len(digits), bins * pool.shape[0] ** 2), np.float32)
    for start in range(0, len(digits), chunk):
        out[start:start + chunk] = _histograms(digits[start:start + chunk], bins, pool)
    return out


def _histograms(digits, bins, pool):
    images = digits.astype(np.float32) / 255.0
    n, h, w = images.shape
    gx = np.zeros_like(images)
    gy = np.zeros_like(images)
    gx[:, :, 1:-1] = images[:, :, 2:] - images[:, :, :-2]
    gy[:, 1:-1, :] = images[:, 2:, :] - images[:, :-2, :]
    magnitude = np.hypot(gx, gy).ravel()
    position = np.arctan2(gy, gx).ravel() * np.float32(bins / (2 * np.pi))
    lower = np.floor(position)
    upper_weight = position - lower
    lower = lower.astype(np.int64) % bins

    # Each pixel votes for its two nearest orientations, linearly weighted,
    # into an array laid out as (digit, row, orientation, column) so that
    # both poolings are plain matrix products.
    row_start = (np.arange(n * h) * (bins * w)).reshape(n, h, 1)
    pixel = (row_start + np.arange(w)).ravel()
    votes = np.zeros(n * h * bins * w, np.float32)
    votes[pixel + lower * w] = magnitude * (1 - upper_weight)
    votes[pixel + (lower + 1) % bins * w] = magnitude * upper_weight

    cells = pool.shape[0]
    pooled = votes.reshape(n * h * bins, w) @ pool.T
    pooled = np.matmul(pool, pooled.reshape(n, h, bins * cells))
    hist = np.sqrt(np.maximum(pooled, 0).reshape(n, -1))
    hist /= np.linalg.norm(hist, axis=1, keepdims=True) + 1e-6
    return hist


def digit_features(digits, bins=12, cell=4):
    """Features of MNIST-format digits: deskew, then orientation histograms.

    Parameters
    ----------
    digits : ndarray, shape (N, 28, 28), uint8
        Digits in MNIST format, white ink on black.
    bins, cell : int
        See :func:`orientation_histograms`.

    Returns
    -------
    ndarray, shape (N, D), float32
    """
    return orientation_histograms(deskew_batch(digits), bins=bins, cell=cell)
