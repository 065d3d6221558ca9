"""Tests of saving and loading model files, on real files."""

import datetime
import os
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import joblib
import numpy as np
import pytest

from train import DigitClassifier, ModelError, load_model, save_model
from train.model_io import FORMAT, FORMAT_VERSION

REPO = Path(__file__).resolve().parents[1]
METADATA = {"classifier": "knn", "test_accuracy": 0.5, "n_train": 2400,
            "parameters": {"bins": 8, "n_components": 16}}


def stroke_digits(n, seed=0):
    """Digit-like images: one thick random line each, labelled by its angle."""
    rng = np.random.default_rng(seed)
    digits = np.zeros((n, 28, 28), np.uint8)
    labels = rng.integers(0, 10, n)
    for digit, label in zip(digits, labels):
        angle = np.pi * (label + rng.uniform(-0.3, 0.3)) / 10
        dx, dy = 9 * np.cos(angle), 9 * np.sin(angle)
        cv2.line(digit, (int(14 - dx), int(14 - dy)), (int(14 + dx), int(14 + dy)), 255, 3)
    return digits, labels


@pytest.fixture(scope="module")
def model():
    digits, labels = stroke_digits(2400)
    return DigitClassifier(bins=8, n_components=16).fit(digits, labels)


@pytest.fixture(scope="module")
def queries():
    return stroke_digits(50, seed=1)[0]


@pytest.fixture
def model_file(model, tmp_path):
    path = tmp_path / "models" / "digits.joblib"
    save_model(model, path, METADATA)
    return path


def assert_refused(path, *words):
    with pytest.raises(ModelError) as exc_info:
        load_model(path)
    message = str(exc_info.value)
    assert "\n" not in message
    assert str(path) in message
    for word in words:
        assert word in message
    return message


# --- round trip ---------------------------------------------------------------


def test_round_trip_keeps_predictions_and_metadata(model, model_file, queries):
    loaded = load_model(model_file)
    assert isinstance(loaded, DigitClassifier)
    np.testing.assert_array_equal(loaded.predict_proba(queries), model.predict_proba(queries))
    np.testing.assert_array_equal(loaded.assess(queries)[1], model.assess(queries)[1])
    assert loaded.get_params() == model.get_params()
    for key, value in METADATA.items():
        assert loaded.metadata_[key] == value


def test_metadata_gets_format_date_and_versions(model_file):
    metadata = load_model(model_file).metadata_
    assert metadata["format_version"] == FORMAT_VERSION
    created = datetime.datetime.fromisoformat(metadata["created"])
    assert created.utcoffset() == datetime.timedelta(0)
    assert abs(datetime.datetime.now(datetime.timezone.utc) - created).total_seconds() < 600
    assert set(metadata["versions"]) == {"python", "numpy", "scikit-learn", "opencv", "joblib"}


def test_file_is_the_documented_dict(model_file):
    content = joblib.load(model_file)
    assert content["format"] == FORMAT
    assert content["format_version"] == FORMAT_VERSION
    assert isinstance(content["model"], DigitClassifier)
    assert content["metadata"]["classifier"] == "knn"


def test_save_creates_folders_and_leaves_no_temporary_file(model_file):
    assert sorted(p.name for p in model_file.parent.iterdir()) == ["digits.joblib"]


def test_saved_file_follows_the_umask(model_file):
    umask = os.umask(0)
    os.umask(umask)
    assert model_file.stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_save_keeps_the_previous_model(model, model_file, queries):
    before = model_file.read_bytes()
    unpicklable = DigitClassifier(bins=8, n_components=16)
    unpicklable.__dict__.update(model.__dict__)
    unpicklable.callback_ = lambda: None  # lambdas cannot be pickled
    with pytest.raises(Exception):
        save_model(unpicklable, model_file, METADATA)
    assert model_file.read_bytes() == before
    assert sorted(p.name for p in model_file.parent.iterdir()) == ["digits.joblib"]
    load_model(model_file).predict(queries)


def test_save_refuses_what_is_not_a_classifier(tmp_path):
    with pytest.raises(TypeError):
        save_model({"not": "a model"}, tmp_path / "m.joblib", {})
    assert not (tmp_path / "m.joblib").exists()


# --- refused files ------------------------------------------------------------


def test_missing_file_says_how_to_train(tmp_path):
    message = assert_refused(tmp_path / "models" / "digits.joblib", "no model at")
    assert "python -m train" in message


def test_folder(tmp_path):
    assert_refused(tmp_path, "folder")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.joblib"
    path.touch()
    assert_refused(path)


@pytest.mark.parametrize("keep", [0.5, 0.99, 10], ids=["half", "all-but-1%", "10-bytes"])
def test_truncated_file(model_file, keep):
    data = model_file.read_bytes()
    model_file.write_bytes(data[:int(len(data) * keep) if keep < 1 else keep])
    assert_refused(model_file)


def test_corrupt_compressed_file(model, tmp_path):
    path = tmp_path / "compressed.joblib"
    joblib.dump({"format": FORMAT, "format_version": FORMAT_VERSION, "model": model,
                 "metadata": {}}, path, compress=("zlib", 3))
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    assert_refused(path)


def test_png_image(tmp_path):
    path = tmp_path / "digits.joblib"
    ok, png = cv2.imencode(".png", np.full((28, 28), 255, np.uint8))
    path.write_bytes(png.tobytes())
    assert_refused(path)


def test_random_bytes(tmp_path):
    path = tmp_path / "digits.joblib"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, np.uint8).tobytes())
    assert_refused(path)


@pytest.mark.parametrize("content", [
    {"weights": [1, 2, 3]},
    [1, 2, 3],
    np.arange(10),
    {"format": FORMAT, "format_version": FORMAT_VERSION, "model": "not a model", "metadata": {}},
    {"format": FORMAT, "format_version": FORMAT_VERSION, "model": DigitClassifier(),
     "metadata": {}},
], ids=["dict", "list", "array", "string-model", "unfitted-model"])
def test_foreign_joblib_file(tmp_path, content):
    path = tmp_path / "digits.joblib"
    joblib.dump(content, path)
    assert_refused(path)


def test_pickled_zlib_error_is_not_confused_with_a_model(tmp_path):
    path = tmp_path / "digits.joblib"
    joblib.dump(zlib.error("x"), path)
    assert_refused(path)


@pytest.mark.parametrize("version, word", [(FORMAT_VERSION + 1, "newer"),
                                           (FORMAT_VERSION - 1, "older")])
def test_other_format_version(model, tmp_path, version, word):
    path = tmp_path / "digits.joblib"
    joblib.dump({"format": FORMAT, "format_version": version, "model": model,
                 "metadata": {}}, path)
    assert_refused(path, word, "python -m train")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs file permissions that apply to the user")
def test_unreadable_file(model_file):
    model_file.chmod(0)
    assert_refused(model_file, "cannot read")


# --- package ------------------------------------------------------------------


def run_fresh_python(code):
    """What some Python code prints in a new interpreter (it must succeed)."""
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_the_package_stays_light():
    code = ("import sys, train; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
            "print(sorted(train.__all__))")
    assert run_fresh_python(code) == "['DigitClassifier', 'ModelError', 'load_model', 'save_model']"


def test_model_error_is_an_exception():
    assert issubclass(ModelError, Exception)


def test_reading_with_a_loaded_model_does_not_import_scikit_learn(model_file):
    # Importing scikit-learn costs more than a second of every command's start.
    code = ("import sys, numpy as np; from train import load_model; "
            f"model = load_model({str(model_file)!r}); "
            "proba, typicality = model.assess(np.zeros((3, 28, 28), np.uint8)); "
            "assert proba.shape == (3, 10); "
            "print(sorted(name for name in sys.modules "
            "if name.split('.')[0] in ('sklearn', 'scipy')))")
    assert run_fresh_python(code) == "[]"
