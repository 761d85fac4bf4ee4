"""Review photos: metadata (GPS above all) never survives, hostile files are refused."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import warnings
import zlib

import pytest
from PIL import Image, ImageCms, ImageDraw

from handlers.reviews import photos
from handlers.reviews.photos import (
    MAX_PHOTO_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    CleanPhoto,
    PhotoProblem,
    PhotoRefused,
    clean_photo,
    clean_photo_async,
)

GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def halves(size: tuple[int, int] = (300, 200)) -> Image.Image:
    """Left half red, right half blue: shows which way the pixels were turned."""
    img = Image.new("RGB", size, (255, 0, 0))
    ImageDraw.Draw(img).rectangle((size[0] // 2, 0, size[0], size[1]), fill=(0, 0, 255))
    return img


def noise(size: tuple[int, int]) -> Image.Image:
    """Pixels that do not compress, so half the file is far past its header."""
    rng = random.Random(7)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def refused(data: bytes) -> PhotoProblem:
    with pytest.raises(PhotoRefused) as caught:
        clean_photo(data)
    return caught.value.problem


def opened(photo: CleanPhoto) -> Image.Image:
    img = Image.open(io.BytesIO(photo.data))
    img.load()
    return img


def close(pixel: object, expected: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= 8 for a, b in zip(pixel, expected, strict=True))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny grey PNG whose header declares width x height; only one row of data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = zlib.compress(b"\0" * (width + 1))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


# --- metadata ----------------------------------------------------------------------------


def test_gps_and_all_other_metadata_are_gone() -> None:
    exif = Image.Exif()
    exif[MAKE] = "PhoneCo"
    exif[MODEL] = "Pocket 12"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (13.0, 24.0, 36.6)})
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">home sweet home</x:xmpmeta>'
    source = encode(halves(), "JPEG", exif=exif, xmp=xmp, comment=b"shot at home", icc_profile=srgb)
    original = Image.open(io.BytesIO(source))
    assert original.getexif().get_ifd(GPS_IFD)  # the fixture really carries a location
    assert original.getexif()[MAKE] == "PhoneCo"
    assert {"xmp", "comment", "icc_profile"} <= original.info.keys()

    photo = clean_photo(source)

    cleaned = opened(photo)
    assert cleaned.format == "JPEG"
    assert cleaned.mode == "RGB"
    assert (cleaned.width, cleaned.height) == (photo.width, photo.height) == (300, 200)
    assert not cleaned.getexif()
    assert not {"exif", "xmp", "comment", "icc_profile"} & cleaned.info.keys()
    for marker in (b"Exif", b"GPS", b"PhoneCo", b"Pocket", b"xmpmeta", b"home"):
        assert marker not in photo.data
    assert close(cleaned.getpixel((10, 100)), (255, 0, 0))
    assert close(cleaned.getpixel((290, 100)), (0, 0, 255))


def test_a_phone_photo_turned_by_exif_stays_upright() -> None:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # stored sideways: show it turned 90° clockwise
    photo = clean_photo(encode(halves((300, 200)), "JPEG", exif=exif))

    assert (photo.width, photo.height) == (200, 300)
    cleaned = opened(photo)
    assert not cleaned.getexif()  # no Orientation tag left to turn it a second time
    assert close(cleaned.getpixel((100, 10)), (255, 0, 0))  # the left edge is now on top
    assert close(cleaned.getpixel((100, 290)), (0, 0, 255))


# --- size and colour ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [((4000, 1000), (MAX_SIDE, 512)), ((1000, 4100), (500, MAX_SIDE)), ((640, 480), (640, 480))],
)
def test_the_longest_side_is_at_most_max_side(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    photo = clean_photo(encode(halves(size), "PNG"))
    assert (photo.width, photo.height) == expected
    assert opened(photo).size == expected


def test_transparency_becomes_white() -> None:
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((0, 0, 49, 99), fill=(255, 0, 0, 255))
    photo = clean_photo(encode(img, "PNG"))

    cleaned = opened(photo)
    assert cleaned.format == "JPEG"
    assert cleaned.mode == "RGB"
    assert close(cleaned.getpixel((10, 50)), (255, 0, 0))
    assert close(cleaned.getpixel((90, 50)), (255, 255, 255))


def test_palette_gif_with_a_transparent_colour_becomes_white() -> None:
    img = Image.new("P", (60, 60), 0)
    img.putpalette([0, 0, 0, 0, 160, 0] + [0] * (256 - 2) * 3)
    ImageDraw.Draw(img).rectangle((0, 0, 29, 59), fill=1)
    cleaned = opened(clean_photo(encode(img, "GIF", transparency=0)))

    assert close(cleaned.getpixel((10, 30)), (0, 160, 0))
    assert close(cleaned.getpixel((50, 30)), (255, 255, 255))


@pytest.mark.parametrize(("fmt", "mode"), [("WEBP", "RGB"), ("BMP", "RGB"), ("PNG", "L")])
def test_other_common_formats_are_accepted(fmt: str, mode: str) -> None:
    photo = clean_photo(encode(halves().convert(mode), fmt))
    assert opened(photo).format == "JPEG"
    assert (photo.width, photo.height) == (300, 200)


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        random.Random(1).randbytes(5000),
        b"Nice backpack, five stars!\n" * 50,
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n",
        b"",
    ],
    ids=["random", "text", "pdf", "empty"],
)
def test_what_is_no_picture_is_not_an_image(data: bytes) -> None:
    assert refused(data) is PhotoProblem.NOT_IMAGE


@pytest.mark.parametrize("fmt", ["TIFF", "EPS", "ICO"])
def test_pictures_in_formats_nobody_sends_are_not_opened(fmt: str) -> None:
    # EPS would run Ghostscript; the others are needless attack surface.
    assert refused(encode(halves(), fmt)) is PhotoProblem.NOT_IMAGE


def test_a_truncated_jpeg_is_undecodable() -> None:
    data = encode(noise((400, 300)), "JPEG")
    assert refused(data[: len(data) // 2]) is PhotoProblem.UNDECODABLE


def test_a_png_with_corrupt_pixel_data_is_undecodable() -> None:
    data = bytearray(encode(noise((100, 100)), "PNG"))
    data[data.index(b"IDAT") + 200] ^= 0xFF
    assert refused(bytes(data)) is PhotoProblem.UNDECODABLE


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (7_000, 7_000),  # 49 M: under Pillow's own limits, over ours
        (10_000, 10_000),  # 100 M: Pillow warns
        (20_000, 20_000),  # 400 M: Pillow raises
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header(width: int, height: int) -> None:
    assert width * height > MAX_PIXELS
    data = png_declaring(width, height)
    assert len(data) < 1000  # tiny on the wire
    limit, filters = Image.MAX_IMAGE_PIXELS, list(warnings.filters)

    # Pillow would decode the 7000 x 7000 one (filling the missing rows), so BOMB shows it
    # was refused from the header, before any pixel was decoded.
    assert refused(data) is PhotoProblem.BOMB

    assert limit == Image.MAX_IMAGE_PIXELS  # Pillow's global limit is left alone
    assert warnings.filters == filters


def test_exactly_max_pixels_is_not_a_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "MAX_PIXELS", 300 * 200)  # the real limit, on a small scale
    assert clean_photo(encode(halves((300, 200)), "PNG")).width == 300
    assert refused(encode(halves((301, 200)), "PNG")) is PhotoProblem.BOMB


def test_more_than_max_bytes_is_too_large_before_anything_is_read() -> None:
    data = encode(halves(), "JPEG")
    assert refused(data + b"\0" * (MAX_PHOTO_BYTES + 1 - len(data))) is PhotoProblem.TOO_LARGE
    assert refused(b"\0" * MAX_PHOTO_BYTES) is PhotoProblem.NOT_IMAGE  # the limit itself is ok


def test_the_refusal_names_its_problem() -> None:
    error = PhotoRefused(PhotoProblem.BOMB)
    assert error.problem is PhotoProblem.BOMB
    assert str(error) == "bomb"
    assert {p.value for p in PhotoProblem} == {"too_large", "not_image", "undecodable", "bomb"}


# --- the result --------------------------------------------------------------------------


def test_digest_is_sha256_of_the_data_and_the_same_input_gives_the_same_photo() -> None:
    source = encode(noise((500, 400)), "PNG")
    first, second = clean_photo(source), clean_photo(source)

    assert first.digest == hashlib.sha256(first.data).hexdigest()
    assert first == second
    assert first.digest != clean_photo(encode(halves(), "PNG")).digest


def test_a_clean_photo_is_a_smaller_jpeg() -> None:
    source = encode(noise((1500, 1500)), "PNG")  # 6.7 MB
    photo = clean_photo(source)
    assert photo.data.startswith(b"\xff\xd8")
    assert len(photo.data) < len(source) // 2
    assert clean_photo(photo.data) == clean_photo(photo.data)  # re-cleaning is harmless


async def test_async_variant_runs_the_same_cleaning() -> None:
    source = encode(halves(), "JPEG")
    assert await clean_photo_async(source) == clean_photo(source)
    with pytest.raises(PhotoRefused) as caught:
        await clean_photo_async(b"not a picture")
    assert caught.value.problem is PhotoProblem.NOT_IMAGE
