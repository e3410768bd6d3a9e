"""What an uploaded file is, by its content and never by its name.

Pure byte inspection: the signatures of the accepted types, and the structural checks
that catch polyglots (a GIF that is also a script). Decoding happens in `probe`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ACCEPTED = "JPEG, PNG, WebP, GIF, AVIF, HEIC, PDF, MP4 or WebM"
SNIFF_BYTES = 64

# ISO base media brands (the `ftyp` box) that name each accepted kind.
AVIF_BRANDS = frozenset({b"avif", b"avis"})
HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"}
)
# Markup or script inside an image is never innocent: an upload that carries it is refused.
MARKUP = re.compile(
    rb"<script|<html|<!doctype|<svg[\s>]|<iframe|<\?php|javascript:|<body[\s>]", re.IGNORECASE
)


@dataclass(frozen=True)
class FileType:
    kind: str  # image | pdf | video
    mime: str
    ext: str
    label: str


JPEG = FileType("image", "image/jpeg", "jpg", "JPEG")
PNG = FileType("image", "image/png", "png", "PNG")
GIF = FileType("image", "image/gif", "gif", "GIF")
WEBP = FileType("image", "image/webp", "webp", "WebP")
AVIF = FileType("image", "image/avif", "avif", "AVIF")
HEIC = FileType("image", "image/heic", "heic", "HEIC")
PDF = FileType("pdf", "application/pdf", "pdf", "PDF")
MP4 = FileType("video", "video/mp4", "mp4", "MP4")
WEBM = FileType("video", "video/webm", "webm", "WebM")
BY_MIME = {t.mime: t for t in (JPEG, PNG, GIF, WEBP, AVIF, HEIC, PDF, MP4, WEBM)}


class UnsupportedType(ValueError):
    """The file is none of the accepted types."""


def sniff(head: bytes) -> FileType:
    """The type of a file from its first bytes; UnsupportedType if it is none we take."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"\x42\x82\x84webm" in head[:SNIFF_BYTES]:
        return WEBM
    raise UnsupportedType(_refusal(head))


def _iso_media(head: bytes) -> FileType:
    size = int.from_bytes(head[:4], "big")
    box = head[8 : min(max(size, 16), len(head))]
    brands = {box[0:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    if brands & AVIF_BRANDS:
        return AVIF
    if brands & HEIC_BRANDS:
        return HEIC
    if brands & MP4_BRANDS:
        return MP4
    raise UnsupportedType(
        f"this media container (brand {box[0:4].decode('latin-1')!r}) is not one we play; "
        f"upload {ACCEPTED}"
    )


def _refusal(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b"<svg", b"<?xml")):
        what = "an SVG or XML file"
    elif text.startswith((b"<!doctype", b"<html", b"<script", b"<")):
        what = "an HTML or script file"
    elif head.startswith(b"PK\x03\x04"):
        what = "a ZIP archive"
    elif head.startswith(b"\x1a\x45\xdf\xa3"):
        what = "a Matroska video (only its WebM form is accepted)"
    else:
        what = "not a type we accept"
    return f"the file is {what}; upload {ACCEPTED}"


def find_markup(data: bytes) -> str | None:
    """The first markup or script signature in `data`, or None."""
    found = MARKUP.search(data)
    return found.group(0).decode("latin-1") if found else None


def gif_trailing_bytes(data: bytes) -> int:
    """How many bytes follow a GIF's trailer (a GIF/script polyglot hides code there);
    raises ValueError when the block structure is broken."""
    if len(data) < 13:
        raise ValueError("the GIF header is cut short")
    position = 13
    flags = data[10]
    if flags & 0x80:
        position += 3 * (2 ** ((flags & 0x07) + 1))
    while position < len(data):
        block = data[position]
        if block == 0x3B:  # trailer
            return len(data) - position - 1
        if block == 0x21:  # extension: label, then data sub-blocks
            position = _skip_sub_blocks(data, position + 2)
        elif block == 0x2C:  # image descriptor, optional local table, LZW code size, data
            if position + 10 > len(data):
                raise ValueError("an image descriptor is cut short")
            local = data[position + 9]
            position += 10
            if local & 0x80:
                position += 3 * (2 ** ((local & 0x07) + 1))
            position = _skip_sub_blocks(data, position + 1)
        else:
            raise ValueError(f"unexpected GIF block 0x{block:02x}")
    raise ValueError("the GIF has no trailer")


def _skip_sub_blocks(data: bytes, position: int) -> int:
    while position < len(data):
        size = data[position]
        position += 1
        if size == 0:
            return position
        position += size
    raise ValueError("a GIF data block is cut short")


def png_trailing_bytes(data: bytes) -> int:
    """How many bytes follow a PNG's IEND chunk."""
    end = data.rfind(b"IEND")
    if end < 0:
        raise ValueError("the PNG has no IEND chunk")
    return max(0, len(data) - (end + 8))  # type and CRC: 4 + 4 bytes
