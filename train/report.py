"""Reports on a trained model, written next to the model file.

``metrics.json`` holds the test accuracy, per-class precision, recall, F1 and
support, the confusion matrix and the timings; ``confusion.png`` draws the
confusion matrix and ``misclassified.png`` shows misclassified test digits.
Figures are drawn with matplotlib's Agg canvas, without pyplot, so that no
display is needed and no global backend is changed.
"""

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from train.atomic import atomic_path

METRICS_FILE = "metrics.json"
CONFUSION_FILE = "confusion.png"
MISCLASSIFIED_FILE = "misclassified.png"
GALLERY_LIMIT = 100
_GALLERY_COLUMNS = 10
_DPI = 120


def evaluation_metrics(y_true, y_pred, labels=tuple(range(10))):
    """Accuracy, per-class scores and confusion matrix of predictions.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (N,)
    labels : sequence, default 0 to 9

    Returns
    -------
    dict
        ``accuracy``, ``n_digits``, ``labels``, ``per_class`` (label ->
        ``precision``, ``recall``, ``f1``, ``support``) and
        ``confusion_matrix`` (rows: true labels, columns: predicted labels),
        all JSON-serialisable.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = [int(label) for label in labels]
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    return {
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0,
        "n_digits": int(len(y_true)),
        "labels": labels,
        "per_class": {
            str(label): {"precision": float(p), "recall": float(r), "f1": float(f),
                         "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def write_metrics(path, metrics):
    """Write metrics as indented JSON, atomically.

    Parameters
    ----------
    path : str or os.PathLike
    metrics : dict
        JSON-serialisable.
    """
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")


def plot_confusion(path, matrix, labels=tuple(range(10))):
    """Draw a confusion matrix with the count in each cell, atomically.

    Cells are shaded by the share of their row, so that the few mistakes
    stand out next to the large diagonal.

    Parameters
    ----------
    path : str or os.PathLike
        PNG file to write.
    matrix : array-like of shape (n_labels, n_labels)
        Counts; rows are true labels, columns predicted labels.
    labels : sequence
    """
    from matplotlib.colors import PowerNorm

    matrix = np.asarray(matrix)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    fig = _figure((7.5, 6.5))
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", norm=PowerNorm(0.3, vmin=0, vmax=1))
    for (row, col), count in np.ndenumerate(matrix):
        dark = shares[row, col] > 0.3
        ax.text(col, row, str(count), ha="center", va="center", fontsize=9,
                color="white" if dark else "black")
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, [str(label) for label in labels])
    ax.set_yticks(ticks, [str(label) for label in labels])
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"Confusion matrix: {accuracy:.2%} of {matrix.sum()} test digits correct")
    fig.colorbar(image, ax=ax, label="share of the true digit's row")
    _save(fig, path)


def plot_misclassified(path, digits, y_true, y_pred, limit=GALLERY_LIMIT):
    """Draw misclassified digits with their true and predicted labels, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        PNG file to write.
    digits : ndarray of shape (N, 28, 28)
        MNIST-format digits, white ink on black (drawn dark on light).
    y_true, y_pred : array-like of shape (N,)
    limit : int, default 100
        At most this many digits are drawn, in their order in ``digits``.

    Returns
    -------
    int
        Number of digits drawn.
    """
    all_wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))
    wrong = all_wrong[:limit]
    shown = f"{len(wrong)} of {len(all_wrong)}" if len(wrong) < len(all_wrong) else f"{len(wrong)}"
    columns = _GALLERY_COLUMNS
    rows = max(1, -(-len(wrong) // columns))
    fig = _figure((columns * 0.9, rows * 1.05 + 0.5))
    fig.suptitle(f"{shown} misclassified test digits (true\u2192predicted)"
                 if len(wrong) else "No misclassified test digits", fontsize=10)
    for n, index in enumerate(wrong):
        ax = fig.add_subplot(rows, columns, n + 1)
        ax.imshow(digits[index], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(f"{y_true[index]}\u2192{y_pred[index]}", fontsize=9, pad=2)
        ax.axis("off")
    _save(fig, path)
    return len(wrong)


def write_reports(folder, metrics, digits, y_true, y_pred):
    """Write metrics.json, confusion.png and misclassified.png into a folder.

    Parameters
    ----------
    folder : str or os.PathLike
        Usually the model's folder; created if missing.
    metrics : dict
        Content of metrics.json; must hold ``confusion_matrix`` and
        ``labels`` as made by :func:`evaluation_metrics`.
    digits : ndarray of shape (N, 28, 28)
        The test digits.
    y_true, y_pred : array-like of shape (N,)

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(folder)
    paths = [folder / METRICS_FILE, folder / CONFUSION_FILE, folder / MISCLASSIFIED_FILE]
    write_metrics(paths[0], metrics)
    plot_confusion(paths[1], metrics["confusion_matrix"], metrics["labels"])
    plot_misclassified(paths[2], digits, y_true, y_pred)
    return paths


def _figure(size):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path):
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
