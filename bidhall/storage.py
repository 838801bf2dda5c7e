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


_storage: Storage | None = None


def configure(storage: Storage) -> None:
    global _storage
    _storage = storage


def get() -> Storage:
    if _storage is None:
        raise RuntimeError("storage not configured")
    return _storage
