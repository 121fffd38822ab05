"""The text a PDF shows, in drawing order, read from its page content streams: each stream
is inflated (zlib; after ASCII85 where reportlab adds it) and the strings of its text-showing
operators (Tj) are decoded. Enough for reportlab's output, without a PDF library."""

import base64
import re
import zlib

STREAM = re.compile(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", re.S)
SHOW = re.compile(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", re.S)


def _unescape(raw: bytes) -> bytes:
    raw = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), raw)
    return re.sub(rb"\\(.)", rb"\1", raw, flags=re.S)


def pdf_strings(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-"), "not a PDF"
    out: list[str] = []
    for match in STREAM.finditer(data):
        head, body = match.group(1), match.group(2)
        if b"/Subtype /Image" in head:
            continue
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"), adobe=False)
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        out += [_unescape(m.group(1)).decode("cp1252") for m in SHOW.finditer(body)]
    return out
