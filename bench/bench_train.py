"""Benchmark of training: accuracy, time and chosen settings.

Trains the default model on all 60,000 MNIST training digits with
``--k auto``, through the code of ``python -m train``, and prints its test
accuracy, its time per phase and the settings cross-validation chose; with
``--all`` also the svm, logreg and mlp alternatives.

Run from the repository root: ``python -m bench.bench_train [--all]``.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from train.__main__ import build_parser, describe_settings, train_and_report
from train.mnist import MnistError

KNN_ACCURACY_TARGET = 0.99
ALTERNATIVES = ("svm", "logreg", "mlp")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_train",
        description="Train the default k-NN model on all MNIST training digits with "
                    "--k auto and print its test accuracy, timings and chosen settings.")
    parser.add_argument("--all", action="store_true",
                        help="also train and time the svm, logreg and mlp alternatives "
                             "(the svm takes several minutes)")
    parser.add_argument("--data", metavar="DIR",
                        help="MNIST folder (default: as python -m train looks for it)")
    parser.add_argument("--out", metavar="DIR", type=Path,
                        help="keep the models and reports in DIR (default: a temporary "
                             "folder, deleted at the end)")
    return parser.parse_args(argv)


def train_one(classifier, out_dir, data=None):
    """Train one model like ``python -m train`` and return the run and its wall time."""
    argv = ["--classifier", classifier, "--k", "auto", "--quiet",
            "--out", str(Path(out_dir) / classifier / "digits.joblib")]
    if data:
        argv += ["--data", data]
    start = time.perf_counter()
    run = train_and_report(build_parser().parse_args(argv))
    return run, time.perf_counter() - start


def print_knn(run, wall):
    metrics, metadata = run.metrics, run.metadata
    timings = metrics["timings"]
    selection = metadata["selection"]
    print(f"knn accuracy {metrics['accuracy']:.2%} (target >= {KNN_ACCURACY_TARGET:.1%})")
    print(f"knn settings {describe_settings(metadata['parameters'])} "
          f"(chosen by {selection['method']}, mean CV accuracy {selection['cv_accuracy']:.2%} "
          f"on {selection['n_samples']} training digits, {selection['n_folds']} folds)")
    print(f"knn training time {metadata['training_time']:.1f} s (target <= 120 s; "
          f"redrawing {timings['prepare']:.1f} s + tuning {timings['tuning']:.1f} s "
          f"+ fit {timings['fit']:.1f} s)")
    print(f"knn phases load {timings['load']:.1f} s, redrawing {timings['prepare']:.1f} s, "
          f"tuning {timings['tuning']:.1f} s, fit {timings['fit']:.1f} s, "
          f"evaluate {timings['evaluate']:.1f} s")
    print(f"knn total time {wall:.1f} s (with evaluation and reports)")


def print_alternative(name, run, wall):
    timings = run.metrics["timings"]
    print(f"{name} accuracy {run.metrics['accuracy']:.2%}; training time "
          f"{run.metadata['training_time']:.1f} s; evaluate {timings['evaluate']:.1f} s; "
          f"total {wall:.1f} s")


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-train-") as scratch:
        out_dir = args.out or scratch
        try:
            print_knn(*train_one("knn", out_dir, args.data))
            if args.all:
                for name in ALTERNATIVES:
                    run, wall = train_one(name, out_dir, args.data)
                    print_alternative(name, run, wall)
        except (MnistError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
