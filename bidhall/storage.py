"""Where files live: a storage interface with a local-directory implementation (the embedded
default). Writes are atomic: a file is written under a temporary name, fsynced, then renamed, so a
half-written file never appears under its key."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import BinaryIO, Protocol

from bidhall.errors import InvalidInput, NotFound

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,250}$")
CHUNK = 1024 * 1024


class Storage(Protocol):
    def put(self, key: str, stream: BinaryIO, max_bytes: int | None = None) -> tuple[int, str]: ...

    def open(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def append(self, key: str, stream: BinaryIO, offset: int, max_bytes: int) -> int: ...

    def promote(self, key: str, final_key: str) -> None: ...

    def delete(self, key: str) -> None: ...


class OffsetMismatch(InvalidInput):
    code = "offset_mismatch"
    http_status = 409


class TooLarge(InvalidInput):
    code = "file_too_large"
    http_status = 413


class LocalStorage:
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or ".." in key.split("/"):
            raise ValueError(f"invalid storage key {key!r}")
        return self.root / key

    def put(self, key: str, stream: BinaryIO, max_bytes: int | None = None) -> tuple[int, str]:
        """Store a stream under ``key``; returns (size, sha256 hex)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        digest = hashlib.sha256()
        size = 0
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        try:
            with open(tmp, "wb") as out:
                while True:
                    n = stream.readinto(view) if hasattr(stream, "readinto") else None
                    if n is None:
                        data = stream.read(CHUNK)
                        n = len(data)
                        view[:n] = data
                    if not n:
                        break
                    size += n
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(
                            f"the file is larger than the limit of {max_bytes} bytes",
                            limit=max_bytes,
                        )
                    digest.update(view[:n])
                    out.write(view[:n])
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return size, digest.hexdigest()

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        if not path.is_file():
            raise NotFound("the stored file is missing", code="file_missing")
        return open(path, "rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else 0

    def append(self, key: str, stream: BinaryIO, offset: int, max_bytes: int) -> int:
        """Append a stream to a partial file (a resumable upload); ``offset`` must be its current
        size, so a retried or out-of-order piece is refused rather than written twice. What was
        written is fsynced before the new size is reported."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        current = path.stat().st_size if path.is_file() else 0
        if offset != current:
            raise OffsetMismatch(
                f"the upload is at byte {current}, not {offset}: resume from {current}",
                offset=current,
            )
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        size = current
        with open(path, "ab") as out:
            try:
                while n := stream.readinto(view):
                    if size + n > max_bytes:
                        raise TooLarge(
                            f"the upload exceeds its declared size of {max_bytes} bytes",
                            limit=max_bytes,
                        )
                    out.write(view[:n])
                    size += n
            finally:
                out.flush()
                os.fsync(out.fileno())
        return size

    def promote(self, key: str, final_key: str) -> None:
        """Move a completed file under its final key atomically (same file system)."""
        target = self._path(final_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._path(key), target)

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_file():
            path.unlink()


_storage: Storage | None = None


def configure(storage: Storage) -> None:
    global _storage
    _storage = storage


def get() -> Storage:
    if _storage is None:
        raise RuntimeError("storage not configured")
    return _storage
