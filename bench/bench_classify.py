"""Benchmark of a trained model: file size, load time, latency and throughput.

Run from the repository root after ``python -m train``:
``python -m bench.bench_classify [MODEL]``.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from train import ModelError, load_model
from train.mnist import MnistError, load_mnist
from train.model_io import DEFAULT_MODEL_PATH

SIZE_TARGET_MB = 60
LOAD_TARGET_S = 1.0
LATENCY_TARGET_MS = 5.0
THROUGHPUT_TARGET = 3000
LOADS = 5
FRAME_DIGITS = 10
LATENCY_CALLS = 300
WARM_UP_CALLS = 20


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_classify",
        description="Measure a trained model: file size, load time (median of "
                    f"{LOADS} loads), latency of classifying one frame's {FRAME_DIGITS} digits "
                    f"(median of {LATENCY_CALLS} calls) and throughput on the 10,000 MNIST "
                    "test digits.")
    parser.add_argument("model", nargs="?", type=Path, default=DEFAULT_MODEL_PATH,
                        help="model file (default: %(default)s)")
    parser.add_argument("--data", metavar="DIR",
                        help="MNIST folder (default: as python -m train looks for it)")
    return parser.parse_args(argv)


def median_load_time(path, loads=LOADS):
    """Median wall time in seconds of loading a model file."""
    times = []
    for _ in range(loads):
        start = time.perf_counter()
        load_model(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_latency(model, digits, calls=LATENCY_CALLS, warm_up=WARM_UP_CALLS):
    """Median wall time in seconds of one ``predict_proba`` call on ``digits``."""
    for _ in range(warm_up):
        model.predict_proba(digits)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        model.predict_proba(digits)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def throughput(model, digits):
    """Digits per second of one ``predict_proba`` call on all ``digits``, and its output."""
    start = time.perf_counter()
    proba = model.predict_proba(digits)
    return len(digits) / (time.perf_counter() - start), proba


def main(argv=None):
    args = parse_args(argv)
    try:
        model = load_model(args.model)
        X_test, y_test = load_mnist("test", args.data)
    except (ModelError, MnistError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    size_mb = args.model.stat().st_size / 1e6
    print(f"model {args.model}: {model.classifier}, trained on "
          f"{model.metadata_.get('n_train', '?')} digits")
    print(f"model file size {size_mb:.1f} MB (target <= {SIZE_TARGET_MB} MB)")
    print(f"load time {median_load_time(args.model):.3f} s, median of {LOADS} "
          f"(target <= {LOAD_TARGET_S:g} s)")
    frame = X_test[:FRAME_DIGITS]
    print(f"latency {median_latency(model, frame) * 1000:.2f} ms per frame of {FRAME_DIGITS} "
          f"digits, median of {LATENCY_CALLS} calls (target <= {LATENCY_TARGET_MS:g} ms)")
    rate, proba = throughput(model, X_test)
    print(f"throughput {rate:.0f} digits/s on {len(X_test)} test digits "
          f"(target >= {THROUGHPUT_TARGET})")
    accuracy = np.mean(model.classes_[proba.argmax(axis=1)] == y_test)
    print(f"accuracy {accuracy:.2%} on those digits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
