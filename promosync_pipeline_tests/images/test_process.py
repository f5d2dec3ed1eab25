"""Pillow processing: what goes in, which renditions of which sizes come out, what is refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms

from promosync_pipeline.feedsim.images import bomb_png, corrupt, render_image
from promosync_pipeline.images.process import (
    ImageRejected,
    ProcessedImage,
    process_image,
    sha256_hex,
)

FIT = {"original": 2000, "large": 1600, "medium": 800, "small": 400}


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _sizes(result: ProcessedImage) -> dict[str, tuple[int, int]]:
    return {r.name: (r.width, r.height) for r in result.renditions}


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_large_jpeg_gets_every_rendition_at_its_size() -> None:
    data, _ = render_image("big.jpg", (2400, 1800))
    result = process_image(data)
    assert result.sha256 == sha256_hex(data)
    assert (result.source_format, result.source_width, result.source_height) == ("JPEG", 2400, 1800)
    assert _sizes(result) == {
        "original": (2000, 1500),
        "large": (1600, 1200),
        "medium": (800, 600),
        "small": (400, 300),
        "thumbnail": (200, 200),
    }
    for rendition in result.renditions:
        decoded = _open(rendition.data)
        assert decoded.format == "JPEG"
        assert decoded.mode == "RGB"
        assert decoded.size == (rendition.width, rendition.height)
        assert decoded.info.get("progressive") == 1, rendition.name
    assert len(result.renditions[0].data) < len(data)


def test_small_source_is_never_upscaled() -> None:
    data, _ = render_image("tiny.jpg", (300, 120))
    result = process_image(data)
    assert _sizes(result) == {
        "original": (300, 120),
        "large": (300, 120),
        "medium": (300, 120),
        "small": (300, 120),
        "thumbnail": (120, 120),
    }


def test_portrait_fits_inside_each_box() -> None:
    data = _encode(Image.new("RGB", (1000, 3000), (10, 20, 30)), "PNG")
    sizes = _sizes(process_image(data))
    assert sizes["original"] == (667, 2000)
    assert sizes["large"] == (533, 1600)
    assert sizes["medium"] == (267, 800)
    assert sizes["small"] == (133, 400)
    assert sizes["thumbnail"] == (200, 200), "cover-cropped from a rendition that covers it"


def test_thumbnail_is_cover_cropped_from_the_centre() -> None:
    image = Image.new("RGB", (900, 300), (255, 0, 0))
    image.paste((0, 0, 255), (300, 0, 600, 300))  # blue centre third
    result = process_image(_encode(image, "PNG"))
    thumbnail = _open(next(r.data for r in result.renditions if r.name == "thumbnail"))
    assert thumbnail.size == (200, 200)
    r, _g, b = thumbnail.getpixel((100, 100))
    assert b > 200 and r < 60, "the centre of the source is the centre of the thumbnail"
    r, _g, b = thumbnail.getpixel((2, 100))
    assert b > 200, "the red sides are cropped away"


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = _encode(Image.new("RGB", (400, 200), (0, 128, 0)), "JPEG", exif=exif.tobytes())
    result = process_image(data)
    assert _sizes(result)["original"] == (200, 400)
    assert _open(result.renditions[0].data).getexif().get(0x0112) is None


def test_transparency_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (40, 40, 60, 60))
    result = process_image(_encode(image, "PNG"))
    original = _open(result.renditions[0].data)
    assert original.mode == "RGB"
    assert all(c > 245 for c in original.getpixel((5, 5)))
    r, g, _b = original.getpixel((50, 50))
    assert r > 180 and g < 40


def test_cmyk_and_grayscale_become_rgb() -> None:
    for mode in ("CMYK", "L"):
        data = _encode(Image.new(mode, (64, 48)), "JPEG")
        assert _open(process_image(data).renditions[0].data).mode == "RGB", mode


def test_a_wide_gamut_profile_is_converted_to_srgb() -> None:
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    image = Image.new("RGB", (32, 32), (0, 200, 0))
    data = _encode(image, "JPEG", icc_profile=lab.tobytes())
    original = _open(process_image(data).renditions[0].data)
    assert "icc_profile" not in original.info
    assert original.getpixel((16, 16))[1] > 150


@pytest.mark.parametrize("fmt", ["WEBP", "GIF"])
def test_webp_and_gif_first_frame_are_accepted(fmt: str) -> None:
    frames = [Image.new("RGB", (120, 80), (0, 0, 255)), Image.new("RGB", (120, 80), (255, 0, 0))]
    params: dict[str, object] = {"save_all": True, "append_images": frames[1:]}
    data = _encode(frames[0], fmt, **params)
    result = process_image(data)
    assert result.source_format == fmt
    r, _g, b = _open(result.renditions[0].data).getpixel((60, 40))
    assert b > 200 and r < 60, "the first frame is used"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a supported raster image"),
        (b"<html><body>404</body></html>", "not a supported raster image"),
        (_encode(Image.new("RGB", (8, 8)), "BMP"), "not a supported raster image"),
        (_encode(Image.new("RGB", (8, 8)), "TIFF"), "not a supported raster image"),
    ],
)
def test_anything_but_a_supported_raster_image_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRejected, match=reason):
        process_image(data)


def test_corrupt_and_truncated_images_are_refused() -> None:
    data, _ = render_image("photo.jpg", (640, 480))
    with pytest.raises(ImageRejected, match="corrupt or truncated"):
        process_image(corrupt(data))
    with pytest.raises(ImageRejected, match="corrupt or truncated"):
        process_image(data[: len(data) // 2])
    png, _ = render_image("photo.png", (200, 100))
    with pytest.raises(ImageRejected, match="corrupt or truncated"):
        process_image(png[: len(png) - 40])


def test_decompression_bombs_are_refused_before_decoding() -> None:
    with pytest.raises(ImageRejected, match="decompression bomb"):
        process_image(bomb_png(30000, 30000))


def test_the_pillow_bomb_warning_counts_as_a_refusal() -> None:
    """Between the limit and twice the limit Pillow only warns; that is a refusal here too."""
    data = _encode(Image.new("RGB", (120, 100)), "PNG")
    with pytest.raises(ImageRejected, match="decompression bomb"):
        process_image(data, max_pixels=10_000)  # 12,000 pixels: a warning, not an error
    assert Image.MAX_IMAGE_PIXELS != 10_000, "the global limit is restored"
    assert process_image(data, max_pixels=20_000).source_width == 120
