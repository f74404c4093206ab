"""A folder on the local disk or in object storage, named by a path or a URL.

The landing zone and the sync's state (cursors, sync status, the forgotten list) live in
one (``storage.landing_url``): a local folder by default, or ``s3://bucket/prefix``,
``gs://bucket/prefix``, ``hdfs://…`` (pyarrow's own filesystems) or any other fsspec URL.
Credentials come from each store's usual places (for S3 the ``AWS_*`` variables or the
instance's role, and ``AWS_ENDPOINT_URL`` for a store other than AWS), never from the
URL, which appears in logs.

Writes are atomic either way, which is what the landing zone's guarantees rest on: on a
local disk a file is written to a temporary name, synced and renamed; in object storage
an object appears whole when its upload completes, or not at all (a process killed
mid-upload leaves an unfinished multipart upload, which no listing shows).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

#: The repository (or the installed tree): models/, dagster.yaml and docs/ are read from here.
REPO_ROOT = Path(__file__).resolve().parents[2]


class Folder:
    """A folder by path or URL; every path given to its methods is relative to it."""

    def __init__(self, location: str | Path | Folder) -> None:
        if isinstance(location, Folder):
            self.url, self.fs, self.base = location.url, location.fs, location.base
            return
        self.url = str(location).rstrip("/") or "/"
        if "://" not in self.url or self.url.startswith("file://"):
            self.fs: pafs.FileSystem = pafs.LocalFileSystem()
            self.base = str(Path(self.url.removeprefix("file://")))
        else:
            self.fs, self.base = _filesystem(self.url)
        self.base = self.base.rstrip("/")

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, pafs.LocalFileSystem)

    def __repr__(self) -> str:
        return f"Folder({self.url!r})"

    def child(self, *parts: str) -> Folder:
        folder = Folder(self)
        folder.url = "/".join([self.url, *parts])
        folder.base = self.path(*parts)
        return folder

    def path(self, *parts: str) -> str:
        """The path of ``parts`` inside the filesystem (what ``self.fs`` takes)."""
        return "/".join([self.base, *parts])

    def uri(self, *parts: str) -> str:
        """What a reader outside this process takes: a local path, or the URL."""
        return self.path(*parts) if self.is_local else "/".join([self.url, *parts])

    def local_path(self, *parts: str) -> Path:
        if not self.is_local:
            raise ValueError(f"{self.url} is not a local folder")
        return Path(self.path(*parts))

    def exists(self, *parts: str) -> bool:
        return self.fs.get_file_info(self.path(*parts)).type != pafs.FileType.NotFound

    def files(self, *parts: str, suffix: str = "") -> list[str]:
        """Names of the files directly in the folder ``parts`` ending with ``suffix``,
        sorted; hidden ones (a local write in progress) are left out."""
        selector = pafs.FileSelector(self.path(*parts), allow_not_found=True)
        return sorted(
            info.base_name
            for info in self.fs.get_file_info(selector)
            if info.type == pafs.FileType.File
            and info.base_name.endswith(suffix)
            and not info.base_name.startswith(".")
        )

    def folders(self, *parts: str) -> list[str]:
        selector = pafs.FileSelector(self.path(*parts), allow_not_found=True)
        return sorted(
            info.base_name
            for info in self.fs.get_file_info(selector)
            if info.type == pafs.FileType.Directory
        )

    def read_bytes(self, *parts: str) -> bytes:
        with self.fs.open_input_stream(self.path(*parts)) as stream:
            return stream.read()

    def read_text(self, *parts: str) -> str | None:
        """The file's text, or None when there is no such file."""
        try:
            return self.read_bytes(*parts).decode()
        except FileNotFoundError:
            return None

    def write_bytes(self, data: bytes, *parts: str) -> None:
        """Write a file whole: readers see the old one or the new one, never a part."""
        self._atomically(parts, lambda target: self._put(target, data))

    def write_text(self, text: str, *parts: str) -> None:
        self.write_bytes(text.encode(), *parts)

    def write_parquet(self, table: pa.Table, *parts: str) -> None:
        self._atomically(
            parts,
            lambda target: pq.write_table(table, target, filesystem=self.fs, compression="zstd"),
        )

    def read_parquet(self, *parts: str, **options: Any) -> pa.Table:
        return pq.read_table(self.path(*parts), filesystem=self.fs, **options)

    def delete(self, *parts: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.delete_file(self.path(*parts))

    def _put(self, target: str, data: bytes) -> None:
        with self.fs.open_output_stream(target) as stream:
            stream.write(data)

    def _atomically(self, parts: tuple[str, ...], write: Any) -> None:
        target = self.path(*parts)
        if not self.is_local:
            self.fs.create_dir(target.rsplit("/", 1)[0], recursive=True)
            write(target)  # an object appears when its upload completes, whole
            return
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        head, name = target.rsplit("/", 1)
        tmp = f"{head}/.{name}.{uuid.uuid4().hex}.tmp"
        try:
            write(tmp)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)


def _filesystem(url: str) -> tuple[pafs.FileSystem, str]:
    """pyarrow's own filesystem for its schemes (s3, gs, hdfs, abfs), else fsspec's."""
    try:
        return pafs.FileSystem.from_uri(url)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        import fsspec

        fs, path = fsspec.core.url_to_fs(url)
        return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path
