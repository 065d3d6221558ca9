"""Tests of the MNIST IDX reader and of where the dataset files are looked for."""

import gzip
import http.server
import os
import socket
import struct
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from train.mnist import (
    MNIST_FILES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    MnistError,
    MnistFormatError,
    MnistNotFoundError,
    find_mnist_dir,
    load_mnist,
    mnist_cache_dir,
    read_idx,
)

# Read before the autouse fixture below clears it for every test.
REAL_MNIST_DIR = os.environ.get("MNIST_DIR")


def idx_bytes(array, type_code=0x08):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_file(path, content, gz=False):
    path.write_bytes(gzip.compress(content) if gz else content)
    return path


def make_fake_mnist(folder, n, gz=True):
    """Write four valid little MNIST files with ``n`` samples per split."""
    folder.mkdir(parents=True, exist_ok=True)
    images = np.arange(n * 28 * 28, dtype=np.uint64).astype(np.uint8).reshape(n, 28, 28)
    labels = (np.arange(n) % 10).astype(np.uint8)
    for name in MNIST_FILES:
        array = images if "images" in name else labels
        target = folder / (name if gz else name.removesuffix(".gz"))
        write_file(target, idx_bytes(array), gz=gz)
    return folder


def assert_one_line_naming(exc_info, path):
    message = str(exc_info.value)
    assert "\n" not in message
    assert Path(path).name in message
    return message


@pytest.fixture(autouse=True)
def isolated_sources(tmp_path, monkeypatch):
    """Keep every test away from the user's cache folder and from MNIST_DIR."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "xdg-cache"))


@pytest.fixture
def real_mnist_dir():
    if not REAL_MNIST_DIR:
        pytest.skip("MNIST_DIR is not set")
    folder = Path(REAL_MNIST_DIR)
    if any(not (folder / name).is_file() for name in MNIST_FILES):
        pytest.skip(f"MNIST files not found in {folder}")
    return folder


# --- IDX reader on valid files ------------------------------------------------


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (4, 28, 28), (2, 3, 4, 5), (0, 28, 28)])
def test_read_idx_round_trip(tmp_path, gz, shape):
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, size=shape, dtype=np.uint8)
    # The name says nothing about compression: it is detected from the content.
    path = write_file(tmp_path / "data.idx", idx_bytes(array), gz=gz)
    result = read_idx(path)
    assert result.dtype == np.uint8
    assert result.shape == shape
    np.testing.assert_array_equal(result, array)
    result[...] = 0  # the caller owns a writable copy


def test_read_real_test_labels(real_mnist_dir):
    labels = read_idx(real_mnist_dir / TEST_LABELS)
    assert labels.shape == (10000,)
    counts = np.bincount(labels, minlength=10)
    assert len(counts) == 10
    assert counts.sum() == 10000
    assert counts.min() > 800


def test_load_real_test_split(real_mnist_dir):
    images, labels = load_mnist("test", real_mnist_dir, download=False)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert images.max() == 255


# --- IDX reader on broken and foreign files -----------------------------------


def test_truncated_data(tmp_path):
    content = idx_bytes(np.zeros((10, 28, 28), np.uint8))
    path = write_file(tmp_path / TEST_IMAGES, content[: 16 + 1000], gz=True)
    with pytest.raises(MnistFormatError) as exc_info:
        read_idx(path)
    message = assert_one_line_naming(exc_info, path)
    assert "truncated" in message and "7840" in message and "1000" in message


def test_truncated_header(tmp_path):
    path = write_file(tmp_path / "short.idx", idx_bytes(np.zeros((2, 3, 4), np.uint8))[:9])
    with pytest.raises(MnistFormatError) as exc_info:
        read_idx(path)
    assert "truncated IDX header" in assert_one_line_naming(exc_info, path)


def test_trailing_garbage(tmp_path):
    content = idx_bytes(np.zeros(10, np.uint8)) + b"junk"
    path = write_file(tmp_path / "labels.idx", content)
    with pytest.raises(MnistFormatError) as exc_info:
        read_idx(path)
    assert "4 unexpected bytes" in assert_one_line_naming(exc_info, path)


def test_truncated_gzip_stream(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(5000, dtype=np.uint64).astype(np.uint8)))
    path = write_file(tmp_path / TEST_LABELS, packed[: len(packed) // 2])
    with pytest.raises(MnistFormatError) as exc_info:
        read_idx(path)
    assert "corrupt gzip" in assert_one_line_naming(exc_info, path)


def test_gzip_crc_error(tmp_path):
    packed = bytearray(gzip.compress(idx_bytes(np.zeros(100, np.uint8))))
    packed[-8] ^= 0xFF  # first byte of the CRC-32 trailer
    path = write_file(tmp_path / "labels.gz", bytes(packed))
    with pytest.raises(MnistFormatError) as exc_info:
        read_idx(path)
    assert "corrupt gzip" in assert_one_line_naming(exc_info, path)


def test_png_is_not_idx(tmp_path):
    ok, png = cv2.imencode(".png", np.zeros((28, 28), np.uint8))
    assert ok
    path = write_file(tmp_path / "foo.png", png.tobytes())
    with pytest.raises(MnistFormatError) as exc_info:
        read_idx(path)
    assert "not an IDX file (magic 0x89504e47)" in assert_one_line_naming(exc_info, path)


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("notes.txt", b"these are not\nthe digits you are looking for\n", "not an IDX file"),
        ("empty.idx", b"", "not an IDX file (file is empty)"),
        ("tiny.idx", b"\0\0", "not an IDX file"),
        ("float.idx", idx_bytes(np.zeros((2, 3), np.float32), type_code=0x0D), "0x0D (float32)"),
        ("zero-dims.idx", b"\0\0\x08\0", "dimension count 0"),
        ("five-dims.idx", b"\0\0\x08\x05" + struct.pack(">5I", 1, 1, 1, 1, 1) + b"\0",
         "dimension count 5"),
    ],
)
def test_foreign_files(tmp_path, name, content, expected):
    path = write_file(tmp_path / name, content)
    with pytest.raises(MnistFormatError) as exc_info:
        read_idx(path)
    assert expected in assert_one_line_naming(exc_info, path)


def test_format_error_is_value_error():
    assert issubclass(MnistFormatError, ValueError)
    assert issubclass(MnistFormatError, MnistError)
    assert issubclass(MnistNotFoundError, MnistError)


def test_load_checks_label_range(tmp_path):
    folder = make_fake_mnist(tmp_path / "bad", 5)
    write_file(folder / TEST_LABELS, idx_bytes(np.array([0, 1, 2, 3, 10], np.uint8)), gz=True)
    with pytest.raises(MnistFormatError) as exc_info:
        load_mnist("test", folder)
    assert "label value 10" in assert_one_line_naming(exc_info, TEST_LABELS)


def test_load_checks_counts_and_shapes(tmp_path):
    folder = make_fake_mnist(tmp_path / "bad", 5)
    write_file(folder / TEST_LABELS, idx_bytes(np.zeros(4, np.uint8)), gz=True)
    with pytest.raises(MnistFormatError, match="4 labels for 5 images"):
        load_mnist("test", folder)
    write_file(folder / TRAIN_IMAGES, idx_bytes(np.zeros((5, 32, 32), np.uint8)), gz=True)
    with pytest.raises(MnistFormatError, match=r"\(5, 32, 32\)"):
        load_mnist("train", folder)


def test_load_rejects_unknown_split(tmp_path):
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_mnist("validation", make_fake_mnist(tmp_path / "d", 2))


# --- where the files come from ------------------------------------------------


def test_data_dir_wins_over_mnist_dir(tmp_path, monkeypatch):
    given = make_fake_mnist(tmp_path / "given", 3)
    monkeypatch.setenv("MNIST_DIR", str(make_fake_mnist(tmp_path / "env", 4)))
    make_fake_mnist(mnist_cache_dir(), 5)
    assert find_mnist_dir(given, download=False) == given
    images, labels = load_mnist("train", given, download=False)
    assert images.shape == (3, 28, 28) and labels.shape == (3,)


def test_mnist_dir_wins_over_cache(tmp_path, monkeypatch):
    env_dir = make_fake_mnist(tmp_path / "env", 4)
    monkeypatch.setenv("MNIST_DIR", str(env_dir))
    make_fake_mnist(mnist_cache_dir(), 5)
    assert find_mnist_dir(download=False) == env_dir
    images, labels = load_mnist("test", download=False)
    assert images.shape == (4, 28, 28) and labels.shape == (4,)


def test_cache_used_when_nothing_given(tmp_path):
    cache = tmp_path / "xdg-cache" / "paperdigits" / "mnist"
    assert mnist_cache_dir() == cache
    make_fake_mnist(cache, 5)
    assert find_mnist_dir() == cache
    images, labels = load_mnist("test")
    assert images.shape == (5, 28, 28)
    np.testing.assert_array_equal(labels, [0, 1, 2, 3, 4])


def test_files_without_gz_suffix(tmp_path):
    folder = make_fake_mnist(tmp_path / "plain", 6, gz=False)
    images, labels = load_mnist("train", folder, download=False)
    assert images.shape == (6, 28, 28) and labels.shape == (6,)


def test_data_dir_missing_a_file(tmp_path):
    folder = make_fake_mnist(tmp_path / "given", 3)
    (folder / TEST_LABELS).unlink()
    make_fake_mnist(mnist_cache_dir(), 5)  # must not be used as a fallback
    with pytest.raises(MnistNotFoundError) as exc_info:
        load_mnist("test", folder)
    message = str(exc_info.value)
    assert "\n" not in message
    assert str(folder) in message and TEST_LABELS in message
    assert TEST_IMAGES not in message


def test_data_dir_that_does_not_exist(tmp_path):
    with pytest.raises(MnistNotFoundError, match="not a folder"):
        find_mnist_dir(tmp_path / "nowhere")


def test_mnist_dir_missing_files_has_no_fallback(tmp_path, monkeypatch):
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    monkeypatch.setenv("MNIST_DIR", str(env_dir))
    make_fake_mnist(mnist_cache_dir(), 5)
    with pytest.raises(MnistNotFoundError) as exc_info:
        find_mnist_dir()
    message = str(exc_info.value)
    assert "MNIST_DIR" in message and str(env_dir) in message


def test_download_disabled(tmp_path):
    with pytest.raises(MnistNotFoundError) as exc_info:
        find_mnist_dir(download=False)
    message = str(exc_info.value)
    assert "download disabled" in message and "--data" in message and "MNIST_DIR" in message
    assert not mnist_cache_dir().exists()


def assert_offline_error(exc_info):
    message = str(exc_info.value)
    assert "\n" not in message
    assert "MNIST_DIR" in message and "--data" in message
    assert str(mnist_cache_dir()) in message
    assert "storage.googleapis.com" in message
    cache = mnist_cache_dir()
    assert not cache.exists() or list(cache.iterdir()) == []
    return message


def test_offline_error(tmp_path):
    # A real attempt to reach the mirrors: on this machine it fails at once.
    try:
        load_mnist("test", progress=False)
    except MnistNotFoundError as exc:
        exc_info = pytest.ExceptionInfo.from_exc_info((type(exc), exc, exc.__traceback__))
        assert_offline_error(exc_info)
    else:
        pytest.skip("the network is reachable: MNIST was downloaded instead")


def test_download_failure_through_refusing_proxy(tmp_path, monkeypatch):
    # A proxy on a closed local port makes every mirror fail the same way
    # whether or not this machine has network access.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(variable, f"http://127.0.0.1:{port}")
    for variable in ("no_proxy", "NO_PROXY", "REQUEST_METHOD"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(MnistNotFoundError) as exc_info:
        load_mnist("train", progress=False)
    message = assert_offline_error(exc_info)
    assert message.count("connection refused") == 3


class _MirrorProxy(http.server.BaseHTTPRequestHandler):
    """A local HTTP proxy that answers plain GETs from ``files`` and refuses tunnels.

    The HTTPS mirrors need a CONNECT tunnel, which is refused, so downloads
    succeed only through the plain-HTTP mirror.
    """

    files: dict = {}

    def do_CONNECT(self):
        self.send_error(403)

    def do_GET(self):
        content = self.files.get(self.path.rsplit("/", 1)[-1])
        if content is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror_proxy(monkeypatch):
    handler = type("Handler", (_MirrorProxy,), {"files": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(variable, proxy)
    for variable in ("no_proxy", "NO_PROXY", "REQUEST_METHOD"):
        monkeypatch.delenv(variable, raising=False)
    yield handler.files
    server.shutdown()
    server.server_close()


def test_download_through_local_mirror(real_mnist_dir, mirror_proxy):
    # The training images here were recompressed, so they pass only the
    # SHA-256 check of their content; the other files match the mirror MD5.
    mirror_proxy.update({name: (real_mnist_dir / name).read_bytes() for name in MNIST_FILES})
    cache = mnist_cache_dir()
    assert find_mnist_dir(progress=False) == cache
    assert sorted(p.name for p in cache.iterdir()) == sorted(MNIST_FILES)
    images, labels = load_mnist("test", download=False)
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)


def test_download_with_bad_checksum(real_mnist_dir, mirror_proxy):
    mirror_proxy.update({name: (real_mnist_dir / name).read_bytes() for name in MNIST_FILES})
    good = mirror_proxy[TEST_LABELS]
    mirror_proxy[TEST_LABELS] = good[:-1] + bytes([good[-1] ^ 1])
    with pytest.raises(MnistNotFoundError) as exc_info:
        find_mnist_dir(progress=False)
    message = str(exc_info.value)
    assert "\n" not in message
    assert f"download of {TEST_LABELS} failed" in message
    assert "yann.lecun.com: checksum mismatch" in message
    # The files verified before the failure stay; nothing else is left behind.
    cache = mnist_cache_dir()
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        [TRAIN_IMAGES, "train-labels-idx1-ubyte.gz", TEST_IMAGES]
    )
