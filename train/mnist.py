"""Read the MNIST handwritten-digit dataset from IDX files.

The four dataset files are looked for, in this order, in a folder given by the
caller (the ``--data`` option), in the folder named by the ``MNIST_DIR``
environment variable and in a per-user cache folder.  When none of them has the
files, they are downloaded into the cache from the public mirrors.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import socket
import ssl
import struct
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib
from math import prod
from pathlib import Path

import numpy as np
from tqdm import tqdm

__all__ = [
    "MIRRORS",
    "MNIST_FILES",
    "MnistError",
    "MnistFormatError",
    "MnistNotFoundError",
    "TEST_IMAGES",
    "TEST_LABELS",
    "TRAIN_IMAGES",
    "TRAIN_LABELS",
    "find_mnist_dir",
    "load_mnist",
    "mnist_cache_dir",
    "read_idx",
]

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
MNIST_FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
SPLITS = {"train": (TRAIN_IMAGES, TRAIN_LABELS), "test": (TEST_IMAGES, TEST_LABELS)}

MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# A download is accepted when either the .gz bytes match the MD5 published by
# the mirrors, or the decompressed bytes match the canonical SHA-256: some
# copies of the dataset are recompressed, which changes only the first.
_GZ_MD5 = {
    TRAIN_IMAGES: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    TRAIN_LABELS: "d53e105ee54ea40749a09fcbcd1e9432",
    TEST_IMAGES: "9fb629c4189551a2d022fa330f9573f3",
    TEST_LABELS: "ec29112dd5afa0611ce80d1b7f02629c",
}
_RAW_SHA256 = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

DOWNLOAD_TIMEOUT = 30.0
USER_AGENT = "paperdigits-mnist/1.0 (+python urllib)"
IMAGE_SIZE = 28

_GZIP_MAGIC = b"\x1f\x8b"
_IDX_TYPES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "int16",
    0x0C: "int32",
    0x0D: "float32",
    0x0E: "float64",
}
_CHUNK = 1 << 16


class MnistError(Exception):
    """Base class of the errors raised by this module."""


class MnistFormatError(MnistError, ValueError):
    """A file is not a valid MNIST IDX file."""


class MnistNotFoundError(MnistError):
    """The MNIST files could be neither found locally nor downloaded."""


class _ChecksumMismatch(Exception):
    pass


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _format_error(path: Path, problem: str) -> MnistFormatError:
    return MnistFormatError(_one_line(f"{path.name}: {problem}"))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file of unsigned bytes, gzipped or not.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.  Gzip compression is detected from the content, not
        from the file name.

    Returns
    -------
    numpy.ndarray
        A writable ``uint8`` array with the shape given in the file header.

    Raises
    ------
    MnistFormatError
        If the file is not an IDX file, uses an element type other than
        unsigned byte, is truncated, has trailing bytes or is a corrupt gzip
        stream.
    OSError
        If the file cannot be read.
    """
    path = Path(path)
    data = path.read_bytes()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise _format_error(path, f"corrupt gzip stream ({exc})") from None

    if len(data) < 4:
        found = "file is empty" if not data else f"only {len(data)} bytes"
        raise _format_error(path, f"not an IDX file ({found})")
    magic = int.from_bytes(data[:4], "big")
    type_code, ndim = data[2], data[3]
    if data[:2] != b"\0\0" or type_code not in _IDX_TYPES:
        raise _format_error(path, f"not an IDX file (magic 0x{magic:08x})")
    if type_code != 0x08:
        raise _format_error(
            path,
            f"unsupported IDX element type 0x{type_code:02X} ({_IDX_TYPES[type_code]}); "
            "only 0x08 (unsigned byte) is supported",
        )
    if not 1 <= ndim <= 4:
        raise _format_error(path, f"unsupported IDX dimension count {ndim} (expected 1 to 4)")

    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise _format_error(
            path, f"truncated IDX header (expected {header_size} bytes, found {len(data)})"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected = prod(shape)
    found = len(data) - header_size
    if found < expected:
        raise _format_error(
            path, f"truncated IDX data (expected {expected} bytes after the header, found {found})"
        )
    if found > expected:
        raise _format_error(
            path,
            f"{found - expected} unexpected bytes after the IDX data "
            f"(expected {expected} bytes after the header, found {found})",
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def mnist_cache_dir() -> Path:
    """Return the per-user folder where downloaded MNIST files are kept.

    Returns
    -------
    pathlib.Path
        ``%LOCALAPPDATA%\\paperdigits\\mnist`` on Windows, otherwise
        ``$XDG_CACHE_HOME/paperdigits/mnist`` or, when that variable is unset,
        ``~/.cache/paperdigits/mnist``.  The folder may not exist yet.
    """
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        root = Path(base) if base else Path.home() / "AppData" / "Local"
    else:
        base = os.environ.get("XDG_CACHE_HOME")
        # The XDG specification says relative paths are to be ignored.
        root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "paperdigits" / "mnist"


def _locate(folder: Path, name: str) -> Path | None:
    """Return the file ``name`` in ``folder``, with or without ``.gz``."""
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _missing(folder: Path) -> list[str]:
    return [name for name in MNIST_FILES if _locate(folder, name) is None]


def _check_given_folder(folder: Path, origin: str) -> Path:
    """Return ``folder`` if it holds all four files, else raise; no fallback."""
    if not folder.is_dir():
        raise MnistNotFoundError(f"MNIST not found: {origin} {folder} is not a folder.")
    missing = _missing(folder)
    if missing:
        raise MnistNotFoundError(
            f"MNIST not found: {origin} {folder} lacks {', '.join(missing)} "
            "(the names may also lack the .gz suffix)."
        )
    return folder


def find_mnist_dir(
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    progress: bool = True,
) -> Path:
    """Return the folder holding the four MNIST files, downloading them if needed.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        A folder given explicitly (the ``--data`` option).  When given, only
        this folder is used.
    download : bool, default True
        Whether to download missing files into the cache folder when neither
        ``data_dir`` nor ``MNIST_DIR`` is given.
    progress : bool, default True
        Whether to show a progress bar on standard error while downloading.

    Returns
    -------
    pathlib.Path
        ``data_dir`` if given, else the ``MNIST_DIR`` folder if that variable
        is set, else the cache folder from :func:`mnist_cache_dir`.

    Raises
    ------
    MnistNotFoundError
        If the chosen folder lacks any of the files and they cannot be
        downloaded.
    """
    if data_dir is not None:
        return _check_given_folder(Path(data_dir).expanduser(), "--data folder")
    env_dir = os.environ.get("MNIST_DIR")
    if env_dir:
        return _check_given_folder(Path(env_dir).expanduser(), "MNIST_DIR folder")

    cache = mnist_cache_dir()
    missing = _missing(cache)
    if not missing:
        return cache

    if len(missing) == len(MNIST_FILES):
        cache_state = f"nothing in {cache}"
    else:
        cache_state = f"{cache} lacks {', '.join(missing)}"
    tried = f"--data not given, MNIST_DIR not set, {cache_state}"
    hint = "Put the four MNIST files in a folder and pass --data DIR or set MNIST_DIR."
    if not download:
        raise MnistNotFoundError(f"MNIST not found: {tried}, download disabled. {hint}")
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MnistNotFoundError(
            _one_line(f"MNIST not found: {tried}, cannot create the cache folder ({exc}). {hint}")
        ) from None
    for name in missing:
        failures = _download(name, cache, progress)
        if failures:
            reasons = "; ".join(failures)
            raise MnistNotFoundError(
                _one_line(f"MNIST not found: {tried}, download of {name} failed ({reasons}). {hint}")
            )
    return cache


def _download(name: str, cache: Path, progress: bool) -> list[str]:
    """Fetch ``name`` into ``cache`` from the first mirror that works.

    Returns an empty list on success, else one short ``host: reason`` entry
    per mirror tried.
    """
    failures = []
    for mirror in MIRRORS:
        url = mirror + name
        try:
            _fetch_verified(url, cache / name, progress)
            return []
        except _ChecksumMismatch as exc:
            reason = str(exc)
        except (OSError, http.client.HTTPException) as exc:
            reason = _network_reason(exc)
        failures.append(f"{urllib.parse.urlsplit(url).hostname}: {reason}")
    return failures


def _fetch_verified(url: str, dest: Path, progress: bool) -> None:
    """Download ``url`` to ``dest`` through a temporary file, checking its checksum."""
    name = dest.name
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        md5 = hashlib.md5(usedforsecurity=False)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        # A fresh opener reads the proxy variables now; urlopen() caches an
        # opener built from the environment as it was on its first call.
        opener = urllib.request.build_opener()
        with os.fdopen(fd, "wb") as out, opener.open(
            request, timeout=DOWNLOAD_TIMEOUT
        ) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with tqdm(
                total=total, desc=name, unit="B", unit_scale=True, unit_divisor=1024,
                disable=not progress,
            ) as bar:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    md5.update(chunk)
                    bar.update(len(chunk))
        if md5.hexdigest() != _GZ_MD5[name] and _raw_sha256(tmp) != _RAW_SHA256[name]:
            raise _ChecksumMismatch("checksum mismatch")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _raw_sha256(path: Path) -> str | None:
    """SHA-256 of the decompressed content, or None if it is not valid gzip."""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest()


def _network_reason(exc: BaseException) -> str:
    """Turn a download exception into a few words."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        exc = exc.reason
    if isinstance(exc, socket.gaierror):
        return "name resolution failed"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (ConnectionError, http.client.HTTPException)):
        return "connection dropped"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error ({exc.reason})" if exc.reason else "TLS error"
    if isinstance(exc, urllib.error.URLError):
        return _one_line(exc.reason)
    return _one_line(exc.strerror or exc) if isinstance(exc, OSError) else _one_line(exc)


def load_mnist(
    split: str,
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Load the images and labels of one MNIST split.

    Parameters
    ----------
    split : {'train', 'test'}
        Which split to load.
    data_dir : str or os.PathLike, optional
        Folder holding the MNIST files; see :func:`find_mnist_dir` for where
        they are looked for otherwise.
    download : bool, default True
        Whether the files may be downloaded into the cache folder.
    progress : bool, default True
        Whether to show a progress bar while downloading.

    Returns
    -------
    images : numpy.ndarray
        ``uint8`` array of shape ``(N, 28, 28)``.
    labels : numpy.ndarray
        ``uint8`` array of shape ``(N,)`` with values 0 to 9.

    Raises
    ------
    ValueError
        If ``split`` is not ``'train'`` or ``'test'``.
    MnistNotFoundError
        If the files cannot be found or downloaded.
    MnistFormatError
        If the files are not valid MNIST files or do not match each other.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = find_mnist_dir(data_dir, download=download, progress=progress)
    image_path, label_path = (_locate(folder, name) for name in SPLITS[split])
    images = read_idx(image_path)
    labels = read_idx(label_path)

    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise _format_error(
            image_path, f"expected images of shape (N, 28, 28), found shape {images.shape}"
        )
    if labels.ndim != 1:
        raise _format_error(label_path, f"expected a 1-D label array, found shape {labels.shape}")
    if len(labels) != len(images):
        raise _format_error(
            label_path, f"{len(labels)} labels for {len(images)} images in {image_path.name}"
        )
    if labels.size and labels.max() > 9:
        raise _format_error(label_path, f"label value {labels.max()} outside 0 to 9")
    return images, labels
