"""Compressed inputs, read transparently: ``.gz`` and ``.bz2`` (stdlib), ``.zst`` (the optional
``zstandard`` package: ``pip install 'repair[zstd]'``).

A file's *document suffix* is the one under the compression suffix (``news.jsonl.gz`` is JSON
lines); its output (cleaned file, records) is written uncompressed under the name without the
compression suffix.

>>> split_suffix("news/a.jsonl.gz"), split_suffix("a.TXT"), split_suffix("a.tar.gz")
(('.jsonl', '.gz'), ('.txt', ''), ('.tar', '.gz'))
>>> plain_name("2021/a.jsonl.zst")
'2021/a.jsonl'
"""

from __future__ import annotations

import bz2
import gzip
import io
import zlib
from pathlib import Path
from typing import IO, Callable

from repair.errors import InputError

COMPRESSIONS = (".gz", ".bz2", ".zst")

#: What a damaged or truncated compressed file raises while it is read.
DECOMPRESSION_ERRORS: tuple[type[BaseException], ...] = (EOFError, OSError, zlib.error, ValueError)


def split_suffix(name: str | Path) -> tuple[str, str]:
    """``(document suffix, compression suffix)``, both lower case; ``""`` for no compression."""
    suffixes = [s.lower() for s in Path(name).suffixes]
    if len(suffixes) >= 2 and suffixes[-1] in COMPRESSIONS:
        return suffixes[-2], suffixes[-1]
    if suffixes and suffixes[-1] in COMPRESSIONS:
        return "", suffixes[-1]
    return (suffixes[-1] if suffixes else ""), ""


def plain_name(name: str) -> str:
    """``name`` without its compression suffix (what its output is called)."""
    _, comp = split_suffix(name)
    return name[: -len(comp)] if comp else name


def _zstd(path: Path) -> IO[bytes]:
    try:
        import zstandard
    except ImportError:
        raise InputError(str(path), "reading .zst needs the zstandard package; install it with "
                                    "pip install 'repair[zstd]'") from None
    raw = open(path, "rb")
    return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))  # type: ignore[arg-type]


_OPENERS: dict[str, Callable[[Path], IO[bytes]]] = {
    ".gz": lambda p: gzip.open(p, "rb"),  # type: ignore[dict-item,return-value]
    ".bz2": lambda p: bz2.open(p, "rb"),  # type: ignore[dict-item,return-value]
    ".zst": _zstd,
}


def open_binary(path: Path) -> IO[bytes]:
    """Open ``path`` for reading bytes, decompressing by its suffix; the stream has ``peek``.

    Raises OSError as ``open`` does, and :class:`InputError` when ``.zst`` support is not installed.
    """
    _, comp = split_suffix(path)
    if not comp:
        return open(path, "rb")
    return _OPENERS[comp](path)


def read_bytes(path: Path) -> bytes:
    """The whole (decompressed) content; a damaged compressed file is an :class:`InputError`."""
    _, comp = split_suffix(path)
    if not comp:
        return path.read_bytes()
    with open_binary(path) as f:
        try:
            return f.read()
        except DECOMPRESSION_ERRORS as e:
            raise InputError(str(path), f"cannot decompress ({type(e).__name__}: {e})") from None


__all__ = ["COMPRESSIONS", "DECOMPRESSION_ERRORS", "open_binary", "plain_name", "read_bytes", "split_suffix"]
