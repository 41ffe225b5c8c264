"""Reading an uploaded zip without trusting it.

Refused outright: entries whose path climbs out (``../``), starts at the root or a
drive, or is a symbolic link. Read lazily, each entry counted as it is decompressed
(never trusting the sizes the archive declares): past a total or past a ratio to the
compressed size, reading stops with :class:`ImportRefused` — a zip bomb costs at most
the cap.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from folio.imports.items import ImportRefused

CHUNK = 64 * 1024
# A tiny archive may legitimately unpack to many times its size; the ratio applies past it.
RATIO_FLOOR = 1024 * 1024


def _unsafe_name(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return f"{name!r} is an absolute path"
    if ".." in PurePosixPath(name).parts:
        return f"{name!r} climbs out of the archive (../)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"{name!r} is a symbolic link"
    return None


@dataclass
class SafeZip:
    """A zip whose entries are checked once, then read within the caps."""

    archive: zipfile.ZipFile
    compressed_size: int
    max_total: int
    max_ratio: int
    unpacked: int = 0
    entries: dict[str, zipfile.ZipInfo] = field(default_factory=dict)

    @classmethod
    def open(cls, data: bytes, *, max_total: int, max_ratio: int) -> SafeZip:
        """:raises ImportRefused: not a zip, or an entry with an unsafe path."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except (zipfile.BadZipFile, ValueError, OSError) as error:
            raise ImportRefused(f"This zip cannot be read: {error}.") from None
        opened = cls(archive, len(data), max_total, max_ratio)
        for info in infos:
            problem = _unsafe_name(info)
            if problem is not None:
                raise ImportRefused(f"This zip is refused: {problem}.")
            if not info.is_dir():
                opened.entries[info.filename] = info
        return opened

    @property
    def names(self) -> list[str]:
        return sorted(self.entries)

    def _budget(self) -> int:
        by_ratio = max(self.compressed_size * self.max_ratio, RATIO_FLOOR)
        return min(self.max_total, by_ratio) - self.unpacked

    def read(self, name: str) -> bytes | None:
        """The entry's bytes; None if there is no such entry.

        :raises ImportRefused: the archive unpacks to more than its caps allow.
        """
        info = self.entries.get(name)
        if info is None:
            return None
        parts = []
        try:
            with self.archive.open(info) as entry:
                while chunk := entry.read(CHUNK):
                    self.unpacked += len(chunk)
                    if self._budget() < 0:
                        raise ImportRefused(
                            "This zip unpacks to far more than its size (a zip bomb?): "
                            "reading stopped."
                        )
                    parts.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, zlib.error) as error:
            raise ImportRefused(f"This zip cannot be read ({name}): {error}.") from None
        return b"".join(parts)
