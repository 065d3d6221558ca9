"""Save and load trained digit classifiers.

A model file is a joblib dump (a pickle) of a dict::

    {"format": "paperdigits-model", "format_version": 2,
     "model": <fitted DigitClassifier>, "metadata": {...}}

Loading a pickle can run arbitrary code: only load model files from trusted
sources, such as the ones you trained yourself with ``python -m train``.
"""

import datetime
import pickle
import platform
import struct
import zlib
from pathlib import Path

import joblib
import numpy as np

from train.atomic import atomic_path
from train.classifier import DigitClassifier

FORMAT = "paperdigits-model"
FORMAT_VERSION = 2
DEFAULT_MODEL_PATH = Path("models") / "digits.joblib"

# What unpickling a damaged or foreign file can raise.
_UNPICKLING_ERRORS = (
    EOFError, pickle.UnpicklingError, ValueError, KeyError, IndexError, TypeError,
    AttributeError, ImportError, LookupError, NameError, UnicodeError, MemoryError,
    RecursionError, OverflowError, AssertionError, struct.error, zlib.error, OSError,
)


class ModelError(Exception):
    """A model file is missing, damaged, foreign or of another format version."""


def library_versions():
    """Versions of Python and of the libraries a model depends on.

    Returns
    -------
    dict
        Keys ``python``, ``numpy``, ``scikit-learn``, ``opencv``, ``joblib``.
    """
    import cv2
    import numpy
    import sklearn

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "opencv": cv2.__version__,
        "joblib": joblib.__version__,
    }


def save_model(model, path, metadata):
    """Write a fitted classifier and its metadata to a model file.

    The file is written to a temporary file in the same folder and then
    renamed, so an interrupted save never leaves a partial model behind.
    Missing parent folders are created.

    Parameters
    ----------
    model : DigitClassifier
        A fitted classifier.
    path : str or os.PathLike
        Where to write, conventionally ``models/digits.joblib``.
    metadata : dict
        How the model was made (training parameters, accuracy, timings...).
        ``format_version``, ``created`` (ISO 8601, UTC) and ``versions``
        (see :func:`library_versions`) are added unless present.

    Returns
    -------
    dict
        The metadata as stored.

    Raises
    ------
    TypeError
        If ``model`` is not a DigitClassifier.
    OSError
        If the file cannot be written.
    """
    if not isinstance(model, DigitClassifier):
        raise TypeError(f"expected a DigitClassifier, got {type(model).__name__}")
    stored = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": library_versions(),
        **metadata,
        "format_version": FORMAT_VERSION,
    }
    content = {"format": FORMAT, "format_version": FORMAT_VERSION,
               "model": model, "metadata": stored}
    with atomic_path(path) as tmp:
        joblib.dump(content, tmp)
    return stored


def load_model(path=DEFAULT_MODEL_PATH):
    """Read a model file written by :func:`save_model`.

    Model files are pickles: only load files from trusted sources.

    Parameters
    ----------
    path : str or os.PathLike, default 'models/digits.joblib'

    Returns
    -------
    DigitClassifier
        The fitted classifier, with its metadata dict as attribute
        ``metadata_``.

    Raises
    ------
    ModelError
        With a one-line message naming the file, if it is missing, a folder,
        unreadable, truncated or corrupt, not a model file, or of another
        format version.
    """
    path = Path(path)
    if not path.exists():
        raise ModelError(f"no model at {path}; train one with: python -m train")
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a model file")
    try:
        content = joblib.load(path)
    except OSError as exc:
        if exc.errno is None:  # gzip and friends report damaged streams this way
            raise ModelError(f"{path} is truncated, corrupt or not a model file "
                             f"({_reason(exc)})") from None
        raise ModelError(f"cannot read {path} ({exc.strerror})") from None
    except _UNPICKLING_ERRORS as exc:
        raise ModelError(f"{path} is truncated, corrupt or not a model file "
                         f"({_reason(exc)})") from None
    _check_content(content, path)
    model = content["model"]
    model.metadata_ = dict(content["metadata"])
    return model


def _check_content(content, path):
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise ModelError(f"{path} is not a digit model file")
    version = content.get("format_version")
    if not isinstance(version, int):
        raise ModelError(f"{path} has no valid format version")
    if version != FORMAT_VERSION:
        age = "a newer" if version > FORMAT_VERSION else "an older"
        raise ModelError(f"{path} was made by {age} version (model format {version}; "
                         f"this version reads format {FORMAT_VERSION}); "
                         "retrain with: python -m train")
    model = content.get("model")
    if not isinstance(model, DigitClassifier) or not hasattr(model, "estimator_"):
        raise ModelError(f"{path} does not hold a fitted digit classifier")
    if not isinstance(content.get("metadata"), dict):
        raise ModelError(f"{path} has no metadata")
    # A file of the same format written by code whose classes have since
    # changed unpickles fine but fails on first use: try it now.
    try:
        model.assess(np.zeros((1, 28, 28), np.uint8))
    except Exception as exc:
        raise ModelError(f"{path} does not work with this version ({_reason(exc)}); "
                         "retrain with: python -m train") from None


def _reason(exc):
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 100 else text[:97] + "..."
