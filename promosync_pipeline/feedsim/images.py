"""Real JPEG and PNG images, deterministic from their name, plus deliberately bad ones."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib

from PIL import Image, ImageDraw


def render_image(name: str, size: tuple[int, int]) -> tuple[bytes, str]:
    """A gradient with shapes (so JPEG sizes are realistic); PNG when ``name`` ends in .png."""
    rng = random.Random(name)
    width, height = size
    png = name.endswith(".png")
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", size, top), Image.new("RGB", size, bottom), gradient)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = (
            rng.randrange(width // 8 + 1, width // 2 + 2),
            rng.randrange(height // 8 + 1, height // 2 + 2),
        )
        fill = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + w, y + h), fill=fill)
    out = io.BytesIO()
    if png:
        image = image.convert("RGBA")
        image.putalpha(gradient.point(lambda v: min(255, v * 6)))  # a transparent edge
        image.save(out, "PNG", optimize=False, compress_level=1)
        return out.getvalue(), "image/png"
    image.save(out, "JPEG", quality=88)
    return out.getvalue(), "image/jpeg"


def corrupt(data: bytes) -> bytes:
    """Same length, garbage after the first few bytes: not decodable as an image."""
    noise = hashlib.sha256(data).digest() * (len(data) // 32 + 1)
    return data[:4] + noise[: max(0, len(data) - 4)]


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG header declaring ``width`` x ``height`` pixels in a few hundred bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


OTHER_FORMATS = {
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "svg": "image/svg+xml",
    "html": "text/html; charset=utf-8",
    "empty": "image/jpeg",
}


def other_format(data: bytes, fmt: str) -> tuple[bytes, str]:
    """The same picture (or a page standing for it) in a format the shop does not take;
    ``fmt`` is a key of ``OTHER_FORMATS`` (``Fault`` checks it when the rule is made)."""
    if fmt in ("bmp", "tiff"):
        out = io.BytesIO()
        with Image.open(io.BytesIO(data)) as image:
            image.convert("RGB").save(out, fmt.upper())
        return out.getvalue(), OTHER_FORMATS[fmt]
    if fmt == "svg":
        body = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect/></svg>'
        return body, OTHER_FORMATS[fmt]
    if fmt == "html":
        return b"<html><body>Image moved</body></html>", OTHER_FORMATS[fmt]
    return b"", OTHER_FORMATS[fmt]
