"""Tests of training, tuning and the ``python -m train`` command, on real MNIST."""

import gzip
import io
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from train import DigitClassifier, load_model
from train.__main__ import build_parser, choose_settings, describe_settings, train_and_report
from samples.fonts import find_fonts
from train.font_digits import font_digit_count
from train.non_digits import non_digit_count
from train.mnist import MNIST_FILES, TEST_IMAGES, TEST_LABELS, MnistError, load_mnist
from train.report import evaluation_metrics
from train.tuning import BINS_GRID, COMPONENTS_GRID, K_GRID, tune_knn

REPO = Path(__file__).resolve().parents[1]
OPTIONS = ("--data", "--out", "--classifier", "--k", "--train-size", "--no-fonts",
           "--digits-only", "--seed", "--quiet")
METRICS_KEYS = {"accuracy", "n_digits", "labels", "per_class", "confusion_matrix",
                "classifier", "parameters", "chosen_by", "n_train", "timings"}
SUMMARY = re.compile(r"^knn \(k=\d+, \d+ bins, \d+ components\): \d+\.\d\d% on 10000 test "
                     r"digits; trained in \d+ s; saved .+digits\.joblib$")
# A k-NN model trained on the first 6,000 training digits gets about 98.7%.
SMALL_TRAINING_ACCURACY = 0.98


def run_cli(*args, timeout=300):
    # A cache that cannot be created: no test may download MNIST.
    env = {**os.environ, "XDG_CACHE_HOME": "/dev/null/cache"}
    env.pop("MNIST_DIR", None)
    return subprocess.run([sys.executable, "-m", "train", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_one_error_line(result, status):
    assert result.returncode == status, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def write_idx_gz(path, array):
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes(), compresslevel=1))


@pytest.fixture(scope="module")
def mnist(mnist_dir):
    return load_mnist("train", mnist_dir, download=False), load_mnist("test", mnist_dir,
                                                                      download=False)


@pytest.fixture(scope="module")
def cli_run(mnist_dir, tmp_path_factory):
    """A full command run on the first 5,000 training digits."""
    out = tmp_path_factory.mktemp("cli") / "models" / "digits.joblib"
    result = run_cli("--data", mnist_dir, "--out", out, "--train-size", 5000)
    return result, out


# --- library ------------------------------------------------------------------


def test_small_training_run_reaches_stated_accuracy(mnist):
    (X_train, y_train), (X_test, y_test) = mnist
    model = DigitClassifier().fit(X_train[:6000], y_train[:6000])
    accuracy = np.mean(model.predict(X_test) == y_test)
    assert accuracy >= SMALL_TRAINING_ACCURACY


def test_typicality_is_calibrated_on_handwritten_digits_only(mnist):
    """Near copies drawn from fonts, marked as not handwritten, do not
    shorten the typical distance the typicality is measured against."""
    (X_train, y_train), _ = mnist
    X, y = X_train[:4000], y_train[:4000]
    copies = np.repeat(X[:20], 400, axis=0)
    X_all, y_all = np.concatenate([X, copies]), np.concatenate([y, np.repeat(y[:20], 400)])
    marked = np.arange(len(X_all)) < len(X)
    alone = DigitClassifier().fit(X, y).typical_distance_
    unmarked = DigitClassifier().fit(X_all, y_all).typical_distance_
    calibrated = DigitClassifier().fit(X_all, y_all, handwritten=marked).typical_distance_
    assert unmarked < 0.93 * alone
    assert calibrated == pytest.approx(alone, rel=0.05)
    with pytest.raises(ValueError, match="handwritten"):
        DigitClassifier().fit(X, y, handwritten=np.zeros(len(X), bool))


def test_tuning_returns_a_setting_of_the_grid(mnist):
    (X_train, y_train), _ = mnist
    result = tune_knn(X_train[:3000], y_train[:3000], n_samples=2000, progress=False)
    assert result.bins in BINS_GRID
    assert result.n_components in COMPONENTS_GRID
    assert result.n_neighbors in K_GRID
    assert result.n_samples == 2000 and result.n_folds == 3
    assert result.scores.shape == (len(BINS_GRID), len(COMPONENTS_GRID), len(K_GRID))
    # The best feature setting, with the largest k within one standard error
    # of that setting's best k.
    i, j = BINS_GRID.index(result.bins), COMPONENTS_GRID.index(result.n_components)
    assert result.scores[i, j].max() == result.scores.max() > 0.9
    k_scores = result.scores[i, j]
    best = k_scores.max()
    within = k_scores >= best - np.sqrt(best * (1 - best) / 2000)
    assert result.n_neighbors == K_GRID[np.flatnonzero(within).max()]
    assert result.accuracy == k_scores[K_GRID.index(result.n_neighbors)]
    table = result.table()
    assert len(table) == result.scores.size
    assert table[0]["accuracy"] == result.scores.max()
    assert [row["accuracy"] for row in table] == sorted((row["accuracy"] for row in table),
                                                        reverse=True)


def test_settings_without_cross_validation(mnist):
    (X_train, y_train), _ = mnist
    params, selection = choose_settings("knn", 3, X_train, y_train)
    assert selection == {"method": "given k"}
    assert params == {**DigitClassifier().get_params(), "n_neighbors": 3}
    params, selection = choose_settings("svm", 3, X_train, y_train, seed=7)
    assert selection == {"method": "defaults"}
    assert params == {**DigitClassifier().get_params(), "classifier": "svm", "random_state": 7}


def test_evaluation_metrics():
    metrics = evaluation_metrics([0, 1, 1, 2], [0, 1, 2, 2], labels=[0, 1, 2])
    assert metrics["accuracy"] == 0.75
    assert metrics["confusion_matrix"] == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert metrics["per_class"]["1"] == {"precision": 1.0, "recall": 0.5,
                                         "f1": pytest.approx(2 / 3), "support": 2}
    json.dumps(metrics)


def test_default_model_fixture(trained_model_path):
    model = load_model(trained_model_path)
    assert model.get_params() == DigitClassifier().get_params()
    assert model.metadata_["n_train"] == 60000
    assert model.metadata_["test_accuracy"] >= 0.99


# --- command line -------------------------------------------------------------


def test_help_describes_every_option_and_the_data_sources():
    result = run_cli("--help")
    assert result.returncode == 0
    for option in OPTIONS:
        assert option in result.stdout
    for source in ("MNIST_DIR", "cache", "download"):
        assert source in result.stdout
    assert "exit status" in result.stdout


@pytest.mark.parametrize("value", ["0", "abc", "-3", "2.5", ""])
def test_bad_k_is_a_usage_error(value, tmp_path):
    line = assert_one_error_line(run_cli("--k", value, "--out", tmp_path / "m.joblib"), 2)
    assert "--k" in line


def test_too_small_train_size_is_a_usage_error(tmp_path):
    line = assert_one_error_line(run_cli("--train-size", 10, "--out", tmp_path / "m.joblib"), 2)
    assert "--train-size" in line


def test_missing_data_is_one_error_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out" / "digits.joblib"
    line = assert_one_error_line(run_cli("--data", empty, "--out", out), 1)
    assert "MNIST" in line and str(empty) in line
    assert not out.exists()


def test_corrupt_data_is_one_error_line(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in MNIST_FILES:
        (data / name).write_bytes(b"not an IDX file at all")
    line = assert_one_error_line(run_cli("--data", data, "--out", tmp_path / "m.joblib"), 1)
    assert "IDX" in line


def test_unwritable_output_fails_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder is needed")
    start = time.monotonic()
    line = assert_one_error_line(run_cli("--out", blocker / "digits.joblib"), 1)
    assert "cannot write" in line and str(blocker) in line
    assert time.monotonic() - start < 30


def test_output_that_is_a_folder(tmp_path):
    line = assert_one_error_line(run_cli("--out", tmp_path), 1)
    assert "cannot write" in line and "folder" in line


def test_full_run_writes_model_and_reports(cli_run):
    result, out = cli_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and SUMMARY.match(lines[0]), result.stdout

    metrics = json.loads((out.parent / "metrics.json").read_text())
    assert METRICS_KEYS <= set(metrics)
    assert metrics["n_train"] == 5000 and metrics["n_digits"] == 10000
    assert metrics["accuracy"] >= SMALL_TRAINING_ACCURACY
    assert set(metrics["timings"]) == {"load", "prepare", "tuning", "fit", "evaluate"}
    assert np.array(metrics["confusion_matrix"]).sum() == 10000
    assert set(metrics["per_class"]) == {str(d) for d in range(10)}
    assert f"{metrics['accuracy']:.2%}" in lines[0]

    for name in ("confusion.png", "misclassified.png"):
        image = cv2.imread(str(out.parent / name))
        assert image is not None and image.shape[0] > 300 and image.shape[1] > 300
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "confusion.png", "digits.joblib", "metrics.json", "misclassified.png"]


def test_model_of_the_full_run_loads_with_its_metadata(cli_run, mnist):
    _, out = cli_run
    _, (X_test, y_test) = mnist
    model = load_model(out)
    metadata = model.metadata_
    assert metadata["selection"]["method"] == "cross-validation"
    assert metadata["n_train"] == 5000 and metadata["n_test"] == 10000
    for key in ("test_accuracy", "training_time", "versions", "created", "data_dir",
                "format_version", "parameters"):
        assert key in metadata
    assert np.mean(model.predict(X_test[:1000]) == y_test[:1000]) >= SMALL_TRAINING_ACCURACY - 0.01
    fonts = find_fonts()
    assert metadata["fonts"] == [Path(font).name for font in fonts]
    assert metadata["n_font_digits"] == 10 * len(fonts) * font_digit_count(5000, len(fonts))
    assert metadata["n_non_digits"] == non_digit_count(5000) > 0


def train_small(mnist_dir, folder, *options):
    """Run the command on 3,000 digits with k=3; return the model and metrics.json."""
    out = folder / "digits.joblib"
    result = run_cli("--data", mnist_dir, "--out", out, "--train-size", 3000, "--k", 3,
                     *options, "--quiet")
    assert result.returncode == 0, result.stderr
    return load_model(out), json.loads((folder / "metrics.json").read_text())


def test_no_fonts_trains_on_mnist_alone(mnist_dir, tmp_path):
    model, metrics = train_small(mnist_dir, tmp_path, "--no-fonts")
    metadata = model.metadata_
    assert metadata["fonts"] == [] and metadata["n_font_digits"] == 0
    assert metrics["n_font_digits"] == 0
    assert metadata["n_non_digits"] == non_digit_count(3000) > 0


def test_digits_only_learns_no_non_digit_shapes(mnist_dir, tmp_path):
    model, metrics = train_small(mnist_dir, tmp_path, "--digits-only")
    assert model.metadata_["n_non_digits"] == 0
    assert metrics["n_non_digits"] == 0
    assert list(model.estimator_.classes_) == list(range(10))


def test_tuning_never_sees_the_test_digits(cli_run, mnist_dir, mnist, tmp_path):
    """Other test digits and labels change nothing in the tuning."""
    _, out = cli_run
    _, (X_test, y_test) = mnist
    data = tmp_path / "data"
    data.mkdir()
    for name in MNIST_FILES[:2]:
        source = next(p for p in (mnist_dir / name, mnist_dir / name.removesuffix(".gz"))
                      if p.is_file())
        (data / source.name).symlink_to(source.resolve())
    write_idx_gz(data / TEST_IMAGES, 255 - X_test[:1000])
    write_idx_gz(data / TEST_LABELS, ((y_test[:1000] + 1) % 10).astype(np.uint8))

    other = tmp_path / "other" / "digits.joblib"
    result = run_cli("--data", data, "--out", other, "--train-size", 5000, "--quiet")
    assert result.returncode == 0, result.stderr
    original, changed = load_model(out).metadata_, load_model(other).metadata_
    assert changed["test_accuracy"] < 0.5  # the test split did change
    assert changed["selection"] == original["selection"]
    assert changed["parameters"] == original["parameters"]


def test_other_classifier_ignores_k_with_a_note(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    args = build_parser().parse_args(["--classifier", "logreg", "--k", "3", "--data", str(empty),
                                      "--out", str(tmp_path / "m.joblib")])
    notes = io.StringIO()
    with pytest.raises(MnistError):
        train_and_report(args, notes=notes)
    assert notes.getvalue() == "note: --k is ignored by logreg\n"
    params = {**DigitClassifier().get_params(), "classifier": "logreg"}
    assert describe_settings(params) == "12 bins, 96 components"
    assert describe_settings({**params, "classifier": "knn"}) == "k=6, 12 bins, 96 components"


def read_until(fd, marker, timeout=120):
    """Read a pseudo-terminal until ``marker`` appears or it closes."""
    import select

    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 1)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            seen += chunk
    return seen


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal and SIGINT")
def test_interrupt_leaves_no_model(mnist_dir, tmp_path):
    """Ctrl-C in a terminal: one message, status 130, nothing written."""
    import fcntl
    import pty
    import termios

    out = tmp_path / "models" / "digits.joblib"
    env = {**os.environ}
    env.pop("MNIST_DIR", None)
    terminal, child_end = pty.openpty()
    fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "train", "--data", str(mnist_dir), "--out", str(out),
         "--train-size", "5000"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=child_end)
    os.close(child_end)
    try:
        seen = read_until(terminal, b"tuning")
        assert b"tuning" in seen, f"no tuning progress bar: {seen!r}"
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=120)
        seen += read_until(terminal, b"never printed", timeout=5)
    finally:
        process.kill()
        os.close(terminal)
    text = seen.decode(errors="replace")
    assert process.returncode == 130, text
    assert stdout == b""
    assert "Traceback" not in text
    last = re.split(r"[\r\n]+", text.strip())[-1]
    assert last.replace("\x1b[K", "") == "interrupted; no model saved"
    assert list(out.parent.iterdir()) == []
