"""Tiny real files built from bytes (no imaging library needed): a 1×1 PNG, an 8×8
grey baseline JPEG and a one-page PDF, plus the opening bytes of WebP and HEIC files
(enough for the type sniffer, which is all the tests need of those two)."""
from __future__ import annotations

import struct
import zlib


def png(rgb: tuple[int, int, int] = (255, 255, 255)) -> bytes:
    """A valid 1×1 RGB PNG of colour `rgb` (different colours, different bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)          # 1×1, 8 bits, RGB
    pixels = zlib.compress(b"\x00" + bytes(rgb))                    # filter 0, one pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    """A valid 8×8 grey baseline JPEG: one block whose DC difference is 0 and whose
    AC coefficients end at once, each coded by a one-symbol Huffman table."""
    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body
    quantisation = segment(0xDB, b"\x00" + b"\x01" * 64)
    frame = segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
    one_code_of_length_one = b"\x01" + b"\x00" * 15
    dc_table = segment(0xC4, b"\x00" + one_code_of_length_one + b"\x00")   # category 0
    ac_table = segment(0xC4, b"\x10" + one_code_of_length_one + b"\x00")   # end of block
    scan = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    entropy = b"\x3f"   # "0" (DC 0) + "0" (EOB), padded with ones
    return b"\xff\xd8" + quantisation + frame + dc_table + ac_table + scan + entropy + b"\xff\xd9"


def pdf() -> bytes:
    """A valid one-page PDF with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# The first bytes of a lossless WebP and of an iPhone HEIC photo.
WEBP_HEAD = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x0f\x00meta"
# A HEIF file whose major brand is generic and whose compatible brands say HEVC.
HEIF_GENERIC_HEVC_HEAD = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1miafheic" + b"\x00\x00\x0f\x00meta"
# AVIF uses the same generic brand, but is not HEIC.
AVIF_HEAD = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1miafavif" + b"\x00\x00\x0f\x00meta"
