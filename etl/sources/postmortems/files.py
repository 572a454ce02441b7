"""Reading one input file safely: inside the folder, a regular file, within the size cap.

A postmortem folder is written by many people (and by anyone who can open a pull request), so
each file is read as untrusted input (docs/postmortems.md, "Limits"): a symbolic link leading
out of the folder is not followed, a FIFO or device is not opened for a blocking read, and a
file over ``[postmortems] max_file_size`` is refused before it is read, so that neither the
sync nor the marts build holds it in memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import BrokenFile

# O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused as not a file)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def outside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every symbolic link followed, lies outside ``root`` (resolved)."""
    try:
        path.resolve(strict=True).relative_to(root)
    except (ValueError, OSError, RuntimeError):  # outside, dangling, or a link loop
        return True
    return False


def read_bounded(path: Path, max_size: int, *, root: Path | None = None) -> bytes:
    """The bytes of ``path``, or BrokenFile saying why it was not read.

    ``root`` (resolved): the folder the file must stay in once links are followed.
    """
    if root is not None and path.is_symlink() and outside(path, root):
        raise BrokenFile(
            None,
            "is a symbolic link to a file outside the postmortems folder, which is not "
            "followed (copy the file into the folder instead)",
        )
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BrokenFile(None, "is not a regular file (a FIFO, socket or device?)")
        if info.st_size > max_size:
            raise BrokenFile(None, _too_big(info.st_size, max_size))
        chunks: list[bytes] = []
        total = 0
        while total <= max_size:  # the file may grow while it is read: never past the cap
            chunk = os.read(fd, min(1 << 20, max_size + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_size:
            raise BrokenFile(None, _too_big(total, max_size))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_big(size: int, max_size: int) -> str:
    return f"is {size:,} bytes, over [postmortems] max_file_size ({max_size:,} bytes)"
