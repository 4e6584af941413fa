"""A file's type from its first bytes (its "magic"), never from its name or the
Content-Type a client declares. Pure."""
from __future__ import annotations

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
HEIC = "image/heic"
PDF = "application/pdf"

# How many leading bytes `sniff_content_type` needs to decide.
SNIFF_BYTES = 64

# ISO base media file brands of HEIF images coded with HEVC (what phones write as .heic).
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
# Generic HEIF brands: HEIC only when a compatible brand says so (AVIF also uses them).
_HEIF_GENERIC_BRANDS = frozenset({b"mif1", b"msf1"})

EXTENSIONS = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", HEIC: ".heic", PDF: ".pdf"}


def sniff_content_type(head: bytes) -> str | None:
    """The media type of a file starting with `head` (at least SNIFF_BYTES of it when
    the file is that long), or None when it is none of JPEG, PNG, WebP, HEIC or PDF."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if _is_heic(head):
        return HEIC
    return None


def _is_heic(head: bytes) -> bool:
    # An ISO BMFF file opens with its `ftyp` box: size, "ftyp", major brand, minor
    # version, then compatible brands up to the box's end.
    if head[4:8] != b"ftyp":
        return False
    major = head[8:12]
    if major in _HEIC_BRANDS:
        return True
    if major not in _HEIF_GENERIC_BRANDS:
        return False
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    compatible = {head[i:i + 4] for i in range(16, box_end - 3, 4)}
    return bool(compatible & _HEIC_BRANDS)
