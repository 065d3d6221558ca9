"""Label the handwritten digits in a folder of photos: ``python -m preprocessing.batch``.

Each image gets one result, written as soon as it is read, so an
interrupted run keeps what is done and ``--resume`` carries on from there.
Input files are only ever read.
"""

import argparse
import csv
import json
import os
import sys
import threading
import warnings
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import cv2
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from preprocessing.annotate import draw_reading
from preprocessing.arguments import fraction, whole_number
from preprocessing.imageio import ImageReadError, is_image_file, read_image
from preprocessing.reader import DigitReader

DEFAULT_MODEL = Path("models/digits.joblib")
CSV_FIELDS = ("image", "text", "digits_found", "mean_confidence", "error")

DESCRIPTION = """\
Find, read and label the handwritten digits in photos and scans."""

EPILOG = """\
inputs:
  image files or folders (searched recursively for .jpg .jpeg .png .bmp .tif
  .tiff .webp, any case). EXIF orientation is honoured. Input files are never
  modified.

output:
  --jsonl writes one line per image:
    {"image": ..., "text": "2025 17", "digits": [{"x", "y", "w", "h",
     "label", "confidence"}, ...], "error": null or a one-line message}
  "image" is the path relative to its input folder (a file given directly:
  as given); "text" holds the numbers in reading order (rows top to bottom,
  left to right), separated by single spaces; boxes are in the image's
  pixels, tight around the ink. --csv writes image,text,digits_found,
  mean_confidence,error. Without either, one line per image is printed:
  path<TAB>text. Results are written as each image is finished.

exit status:
  0 all images read, 1 some could not be read (see their "error") or the
  results could not all be written (a full disk, an output closed early),
  2 bad arguments or no model (train one with: python -m train),
  130 interrupted (the results written so far are kept)."""


class UsageError(Exception):
    """An argument that cannot be used; the message is one line."""


@dataclass
class Job:
    """An image to read: where it is and how it is named in the results."""

    path: Path
    name: str
    annotated: Path = None


@dataclass
class Result:
    """What reading one image gave."""

    name: str
    text: str = ""
    digits: list = field(default_factory=list)
    error: str = None

    def record(self):
        """The JSON line of this result, as a dict."""
        return {"image": self.name, "text": self.text, "digits": self.digits, "error": self.error}

    def row(self):
        """The CSV row of this result, as a dict."""
        confidences = [d["confidence"] for d in self.digits]
        mean = round(sum(confidences) / len(confidences), 4) if confidences else ""
        return {"image": self.name, "text": self.text, "digits_found": len(self.digits),
                "mean_confidence": mean, "error": self.error or ""}


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"error: {message} (see: python -m preprocessing.batch --help)\n")


def build_parser():
    """The command-line parser of ``python -m preprocessing.batch``.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = _Parser(prog="python -m preprocessing.batch", description=DESCRIPTION,
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", type=Path,
                        help="image files or folders of images")
    parser.add_argument("--model", metavar="PATH", type=Path, default=DEFAULT_MODEL,
                        help="trained model file (default: %(default)s); model files are "
                             "pickles: only use ones from trusted sources")
    parser.add_argument("--jsonl", metavar="PATH", type=Path,
                        help="write one JSON line per image to this file")
    parser.add_argument("--csv", metavar="PATH", type=Path,
                        help="write one CSV row per image to this file")
    parser.add_argument("--annotate", metavar="DIR", type=Path,
                        help="write copies of the images with the digits drawn on them into "
                             "this folder, mirroring the inputs' folders (not inside an input)")
    parser.add_argument("--jobs", metavar="N", type=whole_number(1), default=os.cpu_count() or 1,
                        help="images read at once, on as many threads (default: all "
                             "%(default)s cores)")
    parser.add_argument("--resume", action="store_true",
                        help="skip the images already in the --jsonl file and append to it "
                             "(and to the --csv file)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace existing --jsonl and --csv files instead of refusing")
    parser.add_argument("--min-confidence", metavar="C", type=fraction, default=0.5,
                        help="report digits read at least this confidently, 0 to 1 "
                             "(default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="show no progress bar")
    return parser


def collect_jobs(inputs, annotate=None):
    """The images to read, in a stable order.

    Parameters
    ----------
    inputs : list of pathlib.Path
        Files (taken as given) and folders (searched recursively).
    annotate : pathlib.Path, optional
        Folder for annotated copies, which mirrors the inputs.

    Returns
    -------
    list of Job

    Raises
    ------
    UsageError
        If an input does not exist, or ``annotate`` lies inside an input folder.
    """
    jobs = []
    for given in inputs:
        if given.is_dir():
            if annotate is not None and _is_within(annotate, given):
                raise UsageError(f"--annotate folder {annotate} is inside the input folder "
                                 f"{given}; choose a folder outside it")
            for path in sorted(p for p in given.rglob("*") if p.is_file() and is_image_file(p)):
                relative = path.relative_to(given)
                jobs.append(Job(path, relative.as_posix(),
                                annotate / given.name / relative if annotate else None))
        elif given.is_file():
            jobs.append(Job(given, str(given), annotate / given.name if annotate else None))
        else:
            raise UsageError(f"no such file or folder: {given}")
    return jobs


def _is_within(path, folder):
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


_READERS = {}


def _reader(model_path, min_confidence):
    """One reader per worker process, kept between images."""
    key = (str(model_path), min_confidence)
    if key not in _READERS:
        from train import load_model
        _READERS[key] = DigitReader(load_model(model_path), min_confidence=min_confidence)
    return _READERS[key]


def read_one(job, model_path, min_confidence):
    """Read one image; never raises for a bad image.

    Parameters
    ----------
    job : Job
    model_path : pathlib.Path
    min_confidence : float

    Returns
    -------
    Result
    """
    try:
        image = read_image(job.path)
    except ImageReadError as exc:
        return Result(job.name, error=str(exc))
    except OSError as exc:
        return Result(job.name, error=f"cannot read the file: {exc.strerror or exc}")
    try:
        reading = _reader(model_path, min_confidence).read(image)
    except (cv2.error, MemoryError, ValueError) as exc:
        return Result(job.name, error="could not read the digits: " + " ".join(str(exc).split()))
    digits = [{"x": d.x, "y": d.y, "w": d.w, "h": d.h, "label": d.label,
               "confidence": round(d.confidence, 4)} for d in reading.digits]
    result = Result(job.name, reading.text, digits)
    if job.annotated is not None:
        result.error = _write_annotated(job.annotated, draw_reading(image, reading))
    return result


def _write_annotated(path, image):
    """Write an annotated copy; return a one-line error, or None."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), image):
            path = path.with_suffix(".png")
            if not cv2.imwrite(str(path), image):
                return f"cannot write the annotated copy {path}"
    except (OSError, cv2.error) as exc:
        return f"cannot write the annotated copy {path}: {exc}"
    return None


def already_done(jsonl):
    """Names of the images already recorded in a JSONL file.

    A last line cut short by an interruption is ignored (its image is read
    again).
    """
    done = set()
    if jsonl is None or not jsonl.exists():
        return done
    with open(jsonl, encoding="utf-8") as lines:
        for line in lines:
            try:
                done.add(json.loads(line)["image"])
            except (ValueError, KeyError, TypeError):
                continue
    return done


class Outputs:
    """Where results go: JSONL and CSV files, or standard output."""

    def __init__(self, jsonl=None, csv_path=None, append=False):
        self._files = []
        self._jsonl = self._open(jsonl, append) if jsonl else None
        self._csv = None
        if csv_path:
            handle = self._open(csv_path, append)
            self._csv = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
            if handle.tell() == 0:
                self._csv.writeheader()
        self._stdout = jsonl is None and csv_path is None

    def _open(self, path, append):
        path.parent.mkdir(parents=True, exist_ok=True)
        if append and path.exists():
            _drop_partial_line(path)
        handle = open(path, "a" if append else "w", encoding="utf-8", newline="")
        self._files.append(handle)
        return handle

    def write(self, result):
        """Write one result and flush it, so it survives an interruption."""
        if self._jsonl is not None:
            self._jsonl.write(json.dumps(result.record()) + "\n")
        if self._csv is not None:
            self._csv.writerow(result.row())
        if self._stdout:
            print(f"{result.name}\t{result.text if result.error is None else 'error: ' + result.error}",
                  flush=True)
        for handle in self._files:
            handle.flush()

    def close(self):
        for handle in self._files:
            handle.close()


def _drop_partial_line(path):
    """Cut off a last line that an interruption left half written."""
    with open(path, "rb+") as handle:
        data = handle.read()
        if data and not data.endswith(b"\n"):
            handle.truncate(data.rfind(b"\n") + 1)


def check_outputs(args):
    """Refuse to overwrite earlier results unless asked to.

    Raises
    ------
    UsageError
    """
    if args.resume and args.jsonl is None:
        raise UsageError("--resume needs --jsonl (the file that records what is done)")
    for path in (args.jsonl, args.csv):
        if path is None:
            continue
        if path.is_dir():
            raise UsageError(f"{path} is a folder")
        if path.exists() and path.stat().st_size and not (args.resume or args.overwrite):
            raise UsageError(f"{path} already exists; add --resume to carry on from it "
                             "or --overwrite to replace it")


def run(args):
    """Read every image and write the results.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by :func:`build_parser`.

    Returns
    -------
    int
        Exit status: 0 all read, 1 some failed.
    """
    check_outputs(args)
    _reader(args.model, args.min_confidence)  # fail early, in one line, without a model
    jobs = collect_jobs(args.inputs, args.annotate)
    if args.resume:
        done = already_done(args.jsonl)
        jobs = [job for job in jobs if job.name not in done]
    outputs = Outputs(args.jsonl, args.csv, append=args.resume)
    failed = 0
    try:
        with tqdm(total=len(jobs), desc="reading", unit="image",
                  disable=args.quiet or not jobs) as bar, closing(_results(jobs, args)) as results:
            for result in results:
                outputs.write(result)
                failed += result.error is not None
                bar.update()
    finally:
        outputs.close()
    return 1 if failed else 0


def _results(jobs, args):
    """Results in the order images finish.

    Images are read on threads sharing one model: OpenCV and NumPy release
    the GIL in their heavy steps, and no worker process has to start and
    load the model again. Each thread runs OpenCV and BLAS on one core, so
    that N jobs use N cores.
    """
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        with threadpool_limits(1):
            if args.jobs == 1 or len(jobs) <= 1:
                yield from (read_one(job, args.model, args.min_confidence) for job in jobs)
                return
            reads = _Reads()
            # Stopped early, joblib warns of the tasks it dropped: they are
            # the images skipped on purpose.
            warnings.filterwarnings("ignore", message=".*tasks which were still being processed",
                                    category=UserWarning)
            try:
                yield from Parallel(n_jobs=min(args.jobs, len(jobs)), prefer="threads",
                                    return_as="generator_unordered")(
                    delayed(reads.read)(job, args.model, args.min_confidence) for job in jobs)
            finally:
                # Writing failed (a closed pipe) or the run was interrupted:
                # threads left reading would abort the process as it ends.
                reads.finish()
    finally:
        cv2.setNumThreads(threads)


class _Reads:
    """Calls of :func:`read_one` from worker threads, which can be stopped:
    the images being read are finished, the others skipped."""

    def __init__(self):
        self._stopped = False
        self._active = 0
        self._changed = threading.Condition()

    def read(self, job, model_path, min_confidence):
        """:func:`read_one`, or None once stopped."""
        with self._changed:
            if self._stopped:
                return None
            self._active += 1
        try:
            return read_one(job, model_path, min_confidence)
        finally:
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    def finish(self):
        """Skip the images not yet started; wait for those being read."""
        with self._changed:
            self._stopped = True
            self._changed.wait_for(lambda: self._active == 0)


def main(argv=None):
    """Run the command; return its exit status.

    Parameters
    ----------
    argv : list of str, optional

    Returns
    -------
    int
        0 all images read, 1 some failed, 2 bad arguments or no model,
        130 interrupted.
    """
    from train import ModelError

    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {exc.filename or 'the results'}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the results written so far are kept "
              "(carry on with --resume)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
