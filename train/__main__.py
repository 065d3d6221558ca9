"""Train the digit classifier on MNIST and save it: ``python -m train``.

Steps: load MNIST, redraw the training digits with the strokes photo digits
get, draw digits in the installed handwriting fonts and letters and boxes
that are not digits, choose the settings by
cross-validation on the MNIST digits, fit on all of them,
evaluate on the test digits, write the reports and the model. Run ``python -m train --help`` for the options.
"""

import argparse
import contextlib
import errno
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from preprocessing.arguments import whole_number
from samples.fonts import find_fonts
from train.classifier import CLASSIFIERS, DigitClassifier
from train.font_digits import FONT_SHARE, draw_font_digits, font_digit_count
from train.non_digits import NON_DIGIT_SHARE, draw_non_digits, non_digit_count
from train.mnist import MnistError, find_mnist_dir, load_mnist
from train.model_io import DEFAULT_MODEL_PATH, save_model
from train.prepare import redraw_like_photos
from train.report import evaluation_metrics, write_reports
from train.tuning import BINS_GRID, COMPONENTS_GRID, CV_FOLDS, CV_SAMPLES, K_GRID, tune_knn

# The classifier holds up to a third of the training digits out to calibrate
# its typicality and needs the rest as reference: below this, too few would
# remain.
MIN_TRAIN_SIZE = 3000
_EVALUATION_CHUNK = 1000
_DEFAULTS = DigitClassifier().get_params()


def _choices(values):
    if len(values) > 2 and list(values) == list(range(values[0], values[-1] + 1)):
        return f"{values[0]} to {values[-1]}"
    return ", ".join(map(str, values[:-1])) + f" or {values[-1]}"


_SETTINGS = textwrap.fill(
    f"knn with --k auto (the default) chooses k ({_choices(K_GRID)}) and the "
    f"feature settings ({_choices(BINS_GRID)} orientation bins; "
    f"{_choices(COMPONENTS_GRID)} principal components) by {CV_FOLDS}-fold "
    f"stratified cross-validation on up to {CV_SAMPLES:,} training digits; the "
    "test digits are only used for the final evaluation. With --k N, k is N and "
    f"the feature settings are the defaults ({_DEFAULTS['bins']} bins, "
    f"{_DEFAULTS['n_components']} components), without cross-validation. "
    "svm, logreg and mlp use the default feature settings and "
    "ignore --k.", width=78, initial_indent="  ", subsequent_indent="  ",
    break_on_hyphens=False)

DESCRIPTION = """\
Train the handwritten-digit classifier on MNIST, evaluate it on the 10,000
test digits and save it with its reports."""

EPILOG = f"""\
where the MNIST files are looked for, in this order:
  1. the folder given with --data (nothing else is tried then)
  2. the folder named by the MNIST_DIR environment variable
  3. the per-user cache (~/.cache/paperdigits/mnist, or $XDG_CACHE_HOME/...)
  4. a download from the public MNIST mirrors into that cache

training digits:
  the MNIST training digits, redrawn with the even strokes photo digits get,
  and digits drawn in the installed handwriting fonts (Debian packages such
  as fonts-dkg-handwriting, fonts-kristi, fonts-comic-neue), turned, slanted
  and stretched: about {FONT_SHARE:.0%} as many as MNIST digits. They teach
  the flagged 1s, crossed 7s and narrow 8s that MNIST lacks. Without fonts,
  or with --no-fonts, MNIST alone.

shapes that are not digits:
  letters (all but those written like digits: O, I, S, Z, b, q, C, L, ...)
  in the handwriting fonts and OpenCV's Hershey fonts, and box outlines,
  drawn the same way: about {NON_DIGIT_SHARE:.0%} as many as MNIST digits.
  A printed word or the box around a stamp then reads as no digit rather
  than as 4s and 0s. --digits-only leaves them out.

settings:
{_SETTINGS}

output:
  the model file, and next to it metrics.json (accuracy, per-class scores,
  confusion matrix, timings), confusion.png and misclassified.png. Files are
  written atomically: an interrupted run leaves no partial model behind.
  Model files are pickles: only load model files from trusted sources.

exit status:
  0 success, 1 failure (MNIST not found or corrupt, output not writable),
  2 bad arguments, 130 interrupted (Ctrl-C)."""


class UsageError(Exception):
    """An argument that turns out to be invalid once the data is loaded."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"error: {message} (see: python -m train --help)\n")


def parse_k(text):
    """Parse ``--k``: a positive whole number, or 'auto' (returned as None)."""
    if text.strip().lower() == "auto":
        return None
    try:
        k = int(text)
    except ValueError:
        k = 0
    if k < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive whole number or 'auto', got {text!r}")
    return k


def build_parser():
    """The command-line parser of ``python -m train``.

    Returns
    -------
    argparse.ArgumentParser
        Its ``error`` prints one ``error: ...`` line and exits with status 2.
    """
    parser = _Parser(prog="python -m train", description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", metavar="DIR", type=Path,
                        help="folder holding the four MNIST files (.gz or not); "
                             "see below for where they are looked for otherwise")
    parser.add_argument("--out", metavar="PATH", type=Path, default=DEFAULT_MODEL_PATH,
                        help="model file to write; the reports go to the same folder "
                             "(default: %(default)s)")
    parser.add_argument("--classifier", choices=CLASSIFIERS, default="knn",
                        help="classifier on the projected features (default: %(default)s)")
    parser.add_argument("--k", metavar="K|auto", type=parse_k, default=None,
                        help="neighbours that vote, for knn: a positive whole number, or "
                             "'auto' to choose k and the feature settings by cross-validation "
                             "(default: auto)")
    parser.add_argument("--train-size", metavar="N", type=whole_number(MIN_TRAIN_SIZE),
                        help=f"train on the first N training digits only, for quick trials "
                             f"(at least {MIN_TRAIN_SIZE}; default: all 60,000)")
    parser.add_argument("--no-fonts", action="store_true",
                        help="train on MNIST digits only, without digits drawn in the "
                             "installed handwriting fonts")
    parser.add_argument("--digits-only", action="store_true",
                        help="do not teach the classifier letters and boxes as shapes "
                             "that are not digits")
    parser.add_argument("--seed", metavar="S", type=whole_number(0), default=0,
                        help="seed of the cross-validation split and of the classifier "
                             "(default: %(default)s)")
    parser.add_argument("--quiet", action="store_true",
                        help="show no progress bars (they are only shown when standard "
                             "error is a terminal)")
    return parser


@dataclass
class TrainingRun:
    """What :func:`train_and_report` made.

    Attributes
    ----------
    model : DigitClassifier
    metadata : dict
        As stored in the model file.
    metrics : dict
        As written to metrics.json.
    model_path : pathlib.Path
    report_paths : list of pathlib.Path
    """

    model: DigitClassifier
    metadata: dict
    metrics: dict
    model_path: Path
    report_paths: list


def train_and_report(args, notes=sys.stderr):
    """Load MNIST, choose the settings, fit, evaluate, write reports and model.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by :func:`build_parser`.
    notes : file, default sys.stderr
        Where remarks on ignored options go.

    Returns
    -------
    TrainingRun

    Raises
    ------
    MnistError
        If MNIST cannot be found or read.
    UsageError
        If ``--train-size`` exceeds the training digits.
    OSError
        If the output cannot be written.
    """
    progress = not args.quiet and _is_terminal(sys.stderr)
    if args.classifier != "knn" and args.k is not None:
        print(f"note: --k is ignored by {args.classifier}", file=notes)
    check_writable(args.out)
    timings = {}
    with _timed(timings, "load"):
        data_dir, (X_train, y_train), (X_test, y_test) = load_data(
            args.data, args.train_size, progress)
    with _timed(timings, "prepare"):
        X_train = prepare_digits(X_train, progress)
        fonts = [] if args.no_fonts else find_fonts()
        if not fonts and not args.no_fonts:
            print("note: no handwriting fonts installed; training on MNIST digits only",
                  file=notes)
        X_fonts, y_fonts = font_training_digits(fonts, len(X_train), args.seed, progress)
        X_non_digits = non_digit_shapes(fonts, 0 if args.digits_only else len(X_train),
                                        args.seed, progress)
    with _timed(timings, "tuning"):
        params, selection = choose_settings(args.classifier, args.k, X_train, y_train,
                                            args.seed, progress)
    with _timed(timings, "fit"):
        model = fit_model(params, np.concatenate([X_train, X_fonts]),
                          np.concatenate([y_train, y_fonts.astype(y_train.dtype)]), progress,
                          handwritten=np.arange(len(X_train) + len(X_fonts)) < len(X_train),
                          non_digits=X_non_digits)
    with _timed(timings, "evaluate"):
        y_pred = predict_in_chunks(model, X_test, progress)

    timings = {name: round(seconds, 3) for name, seconds in timings.items()}
    metrics = {
        **evaluation_metrics(y_test, y_pred),
        "classifier": args.classifier,
        "parameters": model.get_params(),
        "chosen_by": selection["method"],
        "n_train": len(X_train),
        "n_font_digits": len(X_fonts),
        "n_non_digits": len(X_non_digits),
        "timings": timings,
    }
    metadata = {
        "classifier": args.classifier,
        "parameters": model.get_params(),
        "selection": selection,
        "test_accuracy": metrics["accuracy"],
        "n_train": len(X_train),
        "n_font_digits": len(X_fonts),
        "fonts": [Path(font).name for font in fonts],
        "n_non_digits": len(X_non_digits),
        "n_test": len(X_test),
        "training_digits": ("MNIST training digits redrawn with even strokes, as photo "
                            "digits are, and digits drawn in handwriting fonts"),
        "training_time": round(timings["prepare"] + timings["tuning"] + timings["fit"], 3),
        "timings": timings,
        "data_dir": str(data_dir.resolve()),
        "seed": args.seed,
    }
    # The model goes last: an interrupted run may leave reports, never a model.
    report_paths = write_reports(args.out.parent, metrics, X_test, y_test, y_pred)
    metadata = save_model(model, args.out, metadata)
    return TrainingRun(model, metadata, metrics, args.out, report_paths)


@contextlib.contextmanager
def _timed(timings, name):
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start


def load_data(data=None, train_size=None, progress=True):
    """Find and load MNIST, keeping the first ``train_size`` training digits.

    Parameters
    ----------
    data : path, optional
        The ``--data`` folder; see :func:`train.mnist.find_mnist_dir`.
    train_size : int, optional
        Training digits to keep; all by default.
    progress : bool, default True

    Returns
    -------
    data_dir : pathlib.Path
        The folder the files came from.
    train, test : tuple of ndarray
        ``(digits, labels)`` of each split.

    Raises
    ------
    MnistError
        If MNIST cannot be found or read.
    UsageError
        If ``train_size`` exceeds the training digits.
    """
    data_dir = find_mnist_dir(data, progress=progress)
    splits = []
    with tqdm(total=2, desc="loading MNIST", unit="split", disable=not progress) as bar:
        for split in ("train", "test"):
            try:
                splits.append(load_mnist(split, data_dir, download=False))
            except OSError as exc:
                raise MnistError(f"cannot read MNIST in {data_dir}: "
                                 f"{exc.strerror or _one_line(exc)}") from None
            bar.update()
    (X_train, y_train), test = splits
    if train_size is not None:
        if train_size > len(X_train):
            raise UsageError(f"argument --train-size: {train_size} exceeds the "
                             f"{len(X_train)} training digits")
        X_train, y_train = X_train[:train_size], y_train[:train_size]
    return data_dir, (X_train, y_train), test


def prepare_digits(X_train, progress=True):
    """Redraw the training digits with the strokes photo digits get.

    Parameters
    ----------
    X_train : ndarray of shape (N, 28, 28), uint8
    progress : bool, default True

    Returns
    -------
    ndarray of shape (N, 28, 28), uint8
    """
    with tqdm(total=1, desc="redrawing strokes", unit="set", disable=not progress) as bar:
        X_train = redraw_like_photos(X_train)
        bar.update()
    return X_train


def font_training_digits(fonts, n_mnist, seed=0, progress=True):
    """Digits drawn in handwriting fonts to train on beside MNIST's.

    Parameters
    ----------
    fonts : list of str
        Font files; none gives no digits.
    n_mnist : int
        MNIST training digits, which sets how many font digits are drawn
        (see :func:`train.font_digits.font_digit_count`).
    seed : int, default 0
    progress : bool, default True

    Returns
    -------
    X : ndarray of shape (N, 28, 28), uint8
    y : ndarray of shape (N,), uint8
    """
    per_digit = font_digit_count(n_mnist, len(fonts))
    with tqdm(total=1, desc="drawing font digits", unit="set", disable=not progress) as bar:
        X, y = draw_font_digits(fonts, per_digit, random_state=seed)
        bar.update()
    return X, y


def non_digit_shapes(fonts, n_mnist, seed=0, progress=True):
    """Letters and boxes that the classifier learns are not digits.

    Parameters
    ----------
    fonts : list of str
        Handwriting fonts whose letters are drawn beside the Hershey fonts'.
    n_mnist : int
        MNIST training digits, which sets how many shapes are drawn (see
        :func:`train.non_digits.non_digit_count`); 0 draws none.
    seed : int, default 0
    progress : bool, default True

    Returns
    -------
    ndarray of shape (M, 28, 28), uint8
    """
    with tqdm(total=1, desc="drawing non-digits", unit="set", disable=not progress) as bar:
        X = draw_non_digits(fonts, non_digit_count(n_mnist), random_state=seed)
        bar.update()
    return X


def fit_model(params, X_train, y_train, progress=True, handwritten=None, non_digits=None):
    """Fit a DigitClassifier behind a progress bar.

    Parameters
    ----------
    params : dict
        Keyword arguments of :class:`DigitClassifier`.
    X_train, y_train : ndarray
    progress : bool, default True
    handwritten : ndarray of bool, optional
        See :meth:`DigitClassifier.fit`.
    non_digits : ndarray of shape (M, 28, 28), uint8, optional
        See :meth:`DigitClassifier.fit`.

    Returns
    -------
    DigitClassifier
    """
    with tqdm(total=1, desc="fitting", unit="model", disable=not progress) as bar:
        model = DigitClassifier(**params).fit(X_train, y_train, handwritten, non_digits)
        bar.update()
    return model


def check_writable(path):
    """Fail early, before training, if the model file cannot be written.

    Parameters
    ----------
    path : pathlib.Path

    Raises
    ------
    OSError
        If ``path`` is a folder or its folder cannot be created or written to.
    """
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def choose_settings(classifier, k, X_train, y_train, seed=0, progress=True):
    """Parameters of the DigitClassifier to fit, and how they were chosen.

    Parameters
    ----------
    classifier : str
        One of ``CLASSIFIERS``.
    k : int or None
        Neighbours for 'knn'; None to cross-validate k and the feature
        settings on the given training digits.
    X_train, y_train : ndarray
        Training digits and labels; the only data cross-validation sees.
    seed : int, default 0
    progress : bool, default True

    Returns
    -------
    params : dict
        Keyword arguments of :class:`DigitClassifier`.
    selection : dict
        ``method`` ('cross-validation', 'given k' or 'defaults') and, after
        cross-validation, ``n_samples``, ``n_folds``, ``grid``,
        ``cv_accuracy`` and ``cv_scores`` (every setting, best first).
    """
    params = {**_DEFAULTS, "classifier": classifier, "random_state": seed}
    if classifier != "knn":
        return params, {"method": "defaults"}
    if k is not None:
        return {**params, "n_neighbors": k}, {"method": "given k"}
    result = tune_knn(X_train, y_train, cell=params["cell"], random_state=seed,
                      progress=progress)
    params.update(bins=result.bins, n_components=result.n_components,
                  n_neighbors=result.n_neighbors)
    selection = {
        "method": "cross-validation",
        "n_samples": result.n_samples,
        "n_folds": result.n_folds,
        "grid": {"bins": list(result.bins_grid),
                 "n_components": list(result.components_grid),
                 "n_neighbors": list(result.k_grid)},
        "cv_accuracy": result.accuracy,
        "cv_scores": result.table(),
    }
    return params, selection


def predict_in_chunks(model, X, progress=True):
    """Labels of digits, predicted a chunk at a time behind a progress bar.

    Parameters
    ----------
    model : DigitClassifier
    X : ndarray of shape (N, 28, 28), uint8
    progress : bool, default True

    Returns
    -------
    ndarray of shape (N,)
    """
    labels = []
    with tqdm(total=len(X), desc="evaluating", unit="digit", disable=not progress) as bar:
        for start in range(0, len(X), _EVALUATION_CHUNK):
            labels.append(model.predict(X[start:start + _EVALUATION_CHUNK]))
            bar.update(len(labels[-1]))
    return np.concatenate(labels) if labels else np.zeros(0, int)


def describe_settings(params):
    """Short description of a model's settings, e.g. 'k=4, 12 bins, 96 components'."""
    features = f"{params['bins']} bins, {params['n_components']} components"
    if params["classifier"] == "knn":
        return f"k={params['n_neighbors']}, {features}"
    return features


def summary_line(run):
    """The one line printed at the end of training.

    Parameters
    ----------
    run : TrainingRun

    Returns
    -------
    str
    """
    params = run.metadata["parameters"]
    return (f"{params['classifier']} ({describe_settings(params)}): "
            f"{run.metrics['accuracy']:.2%} on {run.metrics['n_digits']} test digits; "
            f"trained in {run.metadata['training_time']:.0f} s; saved {run.model_path}")


def main(argv=None):
    """Run the command; return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 success, 1 failure, 2 bad arguments, 130 interrupted.
    """
    args = build_parser().parse_args(argv)
    try:
        run = train_and_report(args)
    except KeyboardInterrupt:
        # Ctrl-C can land while a progress bar is half drawn: start afresh.
        start = "\r\033[K" if _is_terminal(sys.stderr) else ""
        print(f"{start}interrupted; no model saved", file=sys.stderr)
        return 130
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MnistError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write {_written_path(exc, args.out)}: "
              f"{exc.strerror or _one_line(exc)}", file=sys.stderr)
        return 1
    print(summary_line(run))
    return 0


def _written_path(exc, default):
    # An atomic write fails on its temporary file or on the final rename.
    for name in (exc.filename2, exc.filename):
        if name is not None and not str(name).endswith(".part"):
            return name
    return default


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _one_line(exc):
    return " ".join(str(exc).split())


if __name__ == "__main__":
    sys.exit(main())
