"""Verify, optimize and render one source image. Pure: bytes in, JPEG renditions out.

Only real raster images pass (JPEG, PNG, WebP, GIF's first frame). Anything else, a corrupt or
truncated file, or more pixels than the limit (Pillow's decompression-bomb warning is an error
here) raises :class:`ImageRejected` with the reason. Large JPEGs are decoded in draft mode at a
fraction of their size and shrunk with ``reduce()`` before the final resampling.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
MAX_LONG_SIDE = 2000
FIT_SIZES = {"large": 1600, "medium": 800, "small": 400}
"""Fit inside a square of this side; the order matters: each is made from the one before."""
THUMBNAIL_SIDE = 200
DEFAULT_MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"
WHITE = (255, 255, 255)
_SRGB = ImageCms.createProfile("sRGB")


class ImageRejected(Exception):
    """The bytes are not an image we store; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Rendition:
    name: str
    data: bytes
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    sha256: str
    """SHA-256 of the source bytes: the content address of every rendition."""
    source_format: str
    source_width: int
    source_height: int
    source_bytes: int
    renditions: tuple[Rendition, ...]
    """``original`` (long side capped), ``large``, ``medium``, ``small``, ``thumbnail``."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def process_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, quality: int = JPEG_QUALITY
) -> ProcessedImage:
    """Verify ``data`` and render every size; raise :class:`ImageRejected` otherwise."""
    if not data:
        raise ImageRejected("empty file")
    previous_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _process(data, quality)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(
            f"decompression bomb refused (limit {max_pixels} pixels): {exc}"
        ) from None
    except UnidentifiedImageError:
        claimed = _claimed_format(data)
        if claimed:
            raise ImageRejected(
                f"corrupt or truncated image: a {claimed} header, no image"
            ) from None
        raise ImageRejected(f"not a supported raster image ({', '.join(FORMATS)})") from None
    except MemoryError:
        raise ImageRejected("out of memory decoding the image") from None
    except Exception as exc:  # any decoder failure is this image's failure, never the run's
        raise ImageRejected(f"corrupt or truncated image: {type(exc).__name__}: {exc}") from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit


def _process(data: bytes, quality: int) -> ProcessedImage:
    with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
        probe.verify()
    with Image.open(io.BytesIO(data), formats=FORMATS) as source:
        fmt = source.format or "?"
        width, height = source.size
        if width < 1 or height < 1:
            raise ImageRejected(f"{fmt} image with no pixels ({width}x{height})")
        if fmt == "JPEG":
            source.draft("RGB", _fit((width, height), MAX_LONG_SIDE))
        source.load()
        image = _to_srgb(ImageOps.exif_transpose(source))
    # Sizes come from the full source (drafting may have decoded it smaller), turned as shown.
    turned = (width > height) != (image.width > image.height) and width != height
    shown = (height, width) if turned else (width, height)
    original = _resize(image, _fit(shown, MAX_LONG_SIDE))
    renditions = [_encode("original", original, quality)]
    current, made = original, [original]
    for name, side in FIT_SIZES.items():
        current = _resize(current, _fit(shown, side))
        made.append(current)
        renditions.append(_encode(name, current, quality))
    covering = next((i for i in reversed(made) if min(i.size) >= THUMBNAIL_SIDE), original)
    renditions.append(_encode("thumbnail", _cover(covering, THUMBNAIL_SIDE), quality))
    return ProcessedImage(sha256_hex(data), fmt, width, height, len(data), tuple(renditions))


_MAGIC = {
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG": "PNG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
}


def _claimed_format(data: bytes) -> str | None:
    """The format the first bytes announce, if any of ours."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return next((fmt for magic, fmt in _MAGIC.items() if data.startswith(magic)), None)


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size fitting inside ``side`` x ``side``, never larger than ``size``."""
    width, height = size
    scale = min(1.0, side / width, side / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _cover(image: Image.Image, side: int) -> Image.Image:
    """Scale to cover ``side`` x ``side`` (never up) and crop the centre square."""
    width, height = image.size
    scale = min(1.0, max(side / width, side / height))
    scaled = _resize(image, (max(1, round(width * scale)), max(1, round(height * scale))))
    w, h = scaled.size
    crop = min(side, w, h)
    left, top = (w - crop) // 2, (h - crop) // 2
    return scaled.crop((left, top, left + crop, top + crop))


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB in sRGB: ICC profiles converted, transparency flattened on white."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L", "LA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            mode = "RGBA" if image.mode in ("RGBA", "LA") else "RGB"
            if image.mode == "LA":
                image = image.convert("RGBA")
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode == "I;16" or image.mode.startswith("I;16"):
        image = image.point(lambda v: v / 256).convert("L")
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(name: str, image: Image.Image, quality: int) -> Rendition:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, progressive=True, optimize=True)
    return Rendition(name, out.getvalue(), image.width, image.height)
