"""File types come from the content's first bytes."""
import pytest

from app.files.sniff import HEIC, JPEG, PDF, PNG, WEBP, sniff_content_type
from tests.files import samples


@pytest.mark.parametrize(("content", "expected"), [
    (samples.png(), PNG), (samples.jpeg(), JPEG), (samples.pdf(), PDF), (samples.WEBP_HEAD, WEBP),
    (samples.HEIC_HEAD, HEIC), (samples.HEIF_GENERIC_HEVC_HEAD, HEIC),
])
def test_known_types_are_recognised(content, expected):
    assert sniff_content_type(content[:64]) == expected


@pytest.mark.parametrize("content", [
    samples.AVIF_HEAD, b"<html><script>alert(1)</script>", b"GIF89a\x01\x00\x01\x00", b"PK\x03\x04",
    b"RIFF\x00\x00\x00\x00WAVEfmt ", b"\xff\xd8", b"",
])
def test_anything_else_is_unknown(content):
    assert sniff_content_type(content) is None
