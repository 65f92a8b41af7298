"""What our code builds once from package data into the user cache: read-only tables in
memory-mapped files, and objects slow to make (a model decompressed and parsed).

The name index and the simplemma dictionaries are large (hundreds of thousands of keys) but an
article looks up a few hundred of them. Unpickling or decoding them whole costs a second or more at
every start; a `MappedTable` opens in microseconds, reads only the bucket a key hashes to, and the
processes of one machine (Dask workers, `serve` and `watch`) share its pages through the OS cache.

File layout: a header (magic, key count, bucket count, row count, meta length), a meta blob, the
offsets of the buckets and of the rows (unsigned 64-bit), then the blobs. A bucket is a marshalled
list of (key, value) byte pairs; a row is any bytes, found by position.
"""
from __future__ import annotations

import logging
import marshal
import mmap
import os
import pickle
import struct
import zlib
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple, Sequence

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where built tables live: $KRONIKA_CACHE, or the user cache directory."""
    import platformdirs

    return Path(os.environ.get("KRONIKA_CACHE") or platformdirs.user_cache_dir("kronika"))


class Contents(NamedTuple):
    """What a table is written from."""

    items: Iterable[tuple[bytes, bytes]]  # key -> value
    count: int  # how many items
    rows: Sequence[bytes] = ()  # records found by position
    meta: bytes = b""  # one blob for the table's owner (small tables beside the big ones)


class MappedTable:
    """A hash table of bytes to bytes, and rows by position, read through a memory map."""

    MAGIC = b"KRONMAP1"
    LAYOUT = 2  # in the cached file's name: a table written another way is built again
    _HEAD = struct.Struct("<8sQQQQ")
    _PAIR = struct.Struct("<QQ")

    def __init__(self, path: Path):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if len(self._mm) < self._HEAD.size:
            raise ValueError(f"{self.path} is truncated")
        magic, self.count, self.buckets, self.n_rows, meta = self._HEAD.unpack_from(self._mm, 0)
        if magic != self.MAGIC:
            raise ValueError(f"{self.path} is no kronika table")
        self._meta_at = self._HEAD.size
        self._buckets_at = self._meta_at + meta
        self._rows_at = self._buckets_at + 8 * self.buckets  # one array of offsets: the buckets', then the rows'
        last = self._buckets_at + 8 * (self.buckets + self.n_rows)
        end = struct.unpack_from("<Q", self._mm, last)[0] if last + 8 <= len(self._mm) else -1
        if end != len(self._mm):
            raise ValueError(f"{self.path} is truncated ({len(self._mm)} of {end} bytes)")

    def __reduce__(self):  # a worker that receives the table maps the same file
        return (MappedTable, (self.path,))

    def __len__(self) -> int:
        return self.count

    @property
    def meta(self) -> bytes:
        return self._mm[self._meta_at:self._buckets_at]

    def get(self, key: bytes) -> bytes | None:
        lo, hi = self._PAIR.unpack_from(self._mm, self._buckets_at + 8 * (zlib.crc32(key) % self.buckets))
        if hi > lo:
            for k, v in marshal.loads(self._mm[lo:hi]):
                if k == key:
                    return v
        return None

    def row(self, i: int) -> bytes:
        if not 0 <= i < self.n_rows:
            raise IndexError(i)
        lo, hi = self._PAIR.unpack_from(self._mm, self._rows_at + 8 * i)
        return self._mm[lo:hi]

    def keys(self) -> Iterator[bytes]:
        for h in range(self.buckets):
            lo, hi = self._PAIR.unpack_from(self._mm, self._buckets_at + 8 * h)
            if hi > lo:
                for k, _ in marshal.loads(self._mm[lo:hi]):
                    yield k

    @classmethod
    def write(cls, path: Path, contents: Contents) -> None:
        buckets = max(64, contents.count * 4)  # most keys looked up are absent: most buckets are empty
        slots: list[list[tuple[bytes, bytes]]] = [[] for _ in range(buckets)]
        for k, v in contents.items:
            slots[zlib.crc32(k) % buckets].append((k, v))
        blobs = [marshal.dumps(s) if s else b"" for s in slots]
        blobs.extend(contents.rows)
        at = cls._HEAD.size + len(contents.meta) + 8 * (len(blobs) + 1)
        offsets = []
        for blob in blobs:
            offsets.append(at)
            at += len(blob)
        offsets.append(at)
        with open(path, "wb") as f:
            f.write(cls._HEAD.pack(cls.MAGIC, contents.count, buckets, len(contents.rows), len(contents.meta)))
            f.write(contents.meta)
            # bucket h spans offsets[h:h + 2]; row i spans offsets[buckets + i:buckets + i + 2]
            f.write(struct.pack(f"<{len(offsets)}Q", *offsets))
            for blob in blobs:
                f.write(blob)


def cached_table(name: str, fingerprint: str, build: Callable[[], Contents]) -> MappedTable:
    """The table `name` of this fingerprint from the cache, built by `build` (once) when missing
    or unreadable; tables of the same name and another fingerprint are removed."""
    return _cached(f"{name}-{fingerprint}-m{MappedTable.LAYOUT}.map", f"{name}-*.map",
                   lambda p: MappedTable.write(p, build()), MappedTable)


def cached_object(name: str, fingerprint: str, build: Callable[[], object]) -> object:
    """An object that is slow to make from a package's data (a model decompressed and parsed),
    pickled into the cache by our code once and unpickled after."""
    def write(path: Path) -> None:
        obj = build()  # before the file is opened: a failure leaves nothing behind
        with open(path, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)

    def read(path: Path) -> object:
        with open(path, "rb") as f:
            return pickle.load(f)
    return _cached(f"{name}-{fingerprint}.pkl", f"{name}-*.pkl", write, read)


def _cached(file: str, family: str, write: Callable[[Path], None], read: Callable[[Path], object]):
    path = cache_dir() / file
    if path.exists():
        try:
            return read(path)
        except Exception as exc:  # truncated, foreign, or of a package version's classes no more: build again
            log.warning("cache %s unreadable (%s); rebuilding", path, exc)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # parallel first runs must not share a half-written file
    write(tmp)
    tmp.replace(path)
    for stale in path.parent.glob(family):  # of earlier versions or data
        if stale != path:
            try:
                stale.unlink()
            except OSError:
                pass
    return read(path)
