"""Write the sample images of ``samples/`` and their expected readings.

``python -m samples.make_samples`` draws each sample from a fixed seed with
the sheet generator (handwriting fonts from Debian packages and digits of
the MNIST test set), so the set can be made again exactly, and writes
``samples/labels.csv`` (``file,text``) with the text the batch labeller
should read: numbers in reading order, separated by single spaces.

Besides photos of sheets in several conditions (scans, webcam shots, a
12-megapixel phone photo, pencil in a shadow), the set holds the file kinds a
user meets: a drawing made white on black, a PNG with a transparent
background, a 16-bit grey PNG and a phone photo stored sideways with an EXIF
orientation tag. The seeds were picked among sheets that the reader reads
exactly, so the set guards against regressions; how well the reader does on
sheets in general is measured by the benchmarks in bench/.
"""

import argparse
import csv
import sys
from io import BytesIO
from pathlib import Path

import cv2
import numpy as np

from preprocessing.reading_order import reading_order
from samples.glyphs import GlyphSource, load_mnist_digits
from samples.sheets import generate

SAMPLES_DIR = Path(__file__).resolve().parent
# (file, kind, condition, seed, size): each sample is drawn from its own seed.
SAMPLES = (
    ("scan-a4.jpg", "photo", "clean", 102, (1240, 1754)),
    ("scan-plain.png", "photo", "clean", 105, (1024, 768)),
    ("scan-squared.jpg", "photo", "clean", 103, (1024, 768)),
    ("webcam-640.jpg", "photo", "webcam", 203, (640, 480)),
    ("webcam-720p.jpg", "photo", "webcam", 206, (1280, 720)),
    ("webcam-960.jpg", "photo", "webcam", 215, (960, 720)),
    ("webcam-small-digits.jpg", "photo", "webcam", 221, (1280, 720)),
    ("phone-12mp.jpg", "photo", "webcam", 204, (4000, 3000)),
    ("pencil-shadow.jpg", "photo", "hard", 304, (1280, 720)),
    ("canvas-white-on-black.png", "canvas", None, 401, (400, 300)),
    ("canvas-transparent.png", "alpha", None, 402, (400, 300)),
    ("scan-16bit-grey.png", "grey16", "clean", 403, (800, 600)),
    ("phone-exif-rotated.jpg", "exif", "webcam", 404, (1280, 960)),
)
_EXIF_ORIENTATION = 0x0112


def expected_text(digits):
    """The text a reader should give for ground-truth digit boxes."""
    boxes = [(d["x"], d["y"], d["w"], d["h"]) for d in digits]
    return " ".join("".join(str(digits[i]["label"]) for i in number)
                    for number in reading_order(boxes))


def draw_canvas(rng, glyphs, size, n_digits=3):
    """Digits drawn white on a black canvas, as in a drawing app.

    Returns
    -------
    image : ndarray, uint8, grey
    digits : list of dict
    """
    width, height = size
    canvas = np.zeros((height, width), np.float32)
    masks = [(label, glyphs.draw(rng, label, int(0.45 * height), stroke_px=int(0.05 * height)))
             for label in rng.integers(10, size=n_digits)]
    gap = int(0.05 * width)
    total = sum(m.shape[1] for _, m in masks) + gap * (len(masks) - 1)
    digits, x = [], max(0, (width - total) // 2)
    for label, mask in masks:
        label = int(label)
        h, w = mask.shape
        if x + w > width:
            break
        y = int((height - h) / 2 + rng.integers(-10, 11))
        canvas[y:y + h, x:x + w] = np.maximum(canvas[y:y + h, x:x + w], mask)
        ys, xs = np.nonzero(mask >= 0.3)
        digits.append({"x": x + int(xs.min()), "y": y + int(ys.min()),
                       "w": int(xs.max() - xs.min() + 1), "h": int(ys.max() - ys.min() + 1),
                       "label": label})
        x += w + gap
    return np.clip(canvas * 255, 0, 255).astype(np.uint8), digits


def make_sample(kind, condition, seed, size, glyphs):
    """Draw one sample.

    Returns
    -------
    data : bytes or ndarray
        Encoded file content, or an image to encode by file suffix.
    digits : list of dict
        Ground truth, in the upright image's pixels.
    """
    rng = np.random.default_rng(seed)
    if kind == "photo":
        photo = generate(rng, glyphs, condition, size)
        return photo.image, photo.digits
    if kind == "canvas":
        return draw_canvas(rng, glyphs, size)
    if kind == "alpha":
        strokes, digits = draw_canvas(rng, glyphs, size)
        # Black strokes on a fully transparent background.
        rgba = np.zeros((*strokes.shape, 4), np.uint8)
        rgba[:, :, 3] = strokes
        return rgba, digits
    if kind == "grey16":
        photo = generate(rng, glyphs, condition, size)
        grey = cv2.cvtColor(photo.image, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 257
        return grey, photo.digits
    if kind == "exif":
        photo = generate(rng, glyphs, condition, size)
        # Stored turned a quarter to the left, with the tag that says to turn
        # it back to the right, as phones do.
        return _jpeg_with_orientation(cv2.rotate(photo.image, cv2.ROTATE_90_COUNTERCLOCKWISE), 6), \
            photo.digits
    raise ValueError(f"unknown sample kind {kind!r}")


def _encoding(path):
    if path.suffix.lower() in (".jpg", ".jpeg"):
        return [cv2.IMWRITE_JPEG_QUALITY, 90]
    return []


def _jpeg_with_orientation(image, orientation):
    from PIL import Image

    picture = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    exif = picture.getexif()
    exif[_EXIF_ORIENTATION] = orientation
    buffer = BytesIO()
    picture.save(buffer, format="JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


def write_samples(folder, glyphs):
    """Write every sample and ``labels.csv`` into a folder.

    Returns
    -------
    list of tuple
        ``(file, text)`` rows of labels.csv.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, kind, condition, seed, size in SAMPLES:
        data, digits = make_sample(kind, condition, seed, size, glyphs)
        path = folder / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        elif not cv2.imwrite(str(path), data, _encoding(path)):
            raise OSError(f"cannot write {path}")
        rows.append((name, expected_text(digits)))
    with open(folder / "labels.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("file", "text"))
        writer.writerows(rows)
    return rows


def main(argv=None):
    """Run the command; return its exit status."""
    parser = argparse.ArgumentParser(prog="python -m samples.make_samples",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR,
                        help="folder to write (default: the samples folder)")
    parser.add_argument("--mnist-dir", metavar="DIR",
                        help="folder of the MNIST test files (default: MNIST_DIR)")
    args = parser.parse_args(argv)
    data = load_mnist_digits(args.mnist_dir)
    if data is None:
        print("error: MNIST test digits not found: pass --mnist-dir DIR or set MNIST_DIR",
              file=sys.stderr)
        return 1
    for name, text in write_samples(args.out, GlyphSource(data[0], data[1], fonts=True)):
        print(f"{name}\t{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
