"""Write files atomically: readers see the old file or the complete new one."""

import contextlib
import os
import secrets
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path):
    """Give a temporary path that replaces ``path`` once the block succeeds.

    The temporary file lies in the same folder as ``path`` (so that the final
    ``os.replace`` is atomic) and is removed if the block raises, including on
    ``KeyboardInterrupt``. Missing parent folders are created.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.

    Yields
    ------
    pathlib.Path
        Where to write the content.

    Raises
    ------
    OSError
        If the folder cannot be created or written to.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temporary(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _create_temporary(path):
    # Unlike tempfile.mkstemp (mode 0600), mode 0666 lets the umask decide,
    # so the final file gets the permissions of any other new file.
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
