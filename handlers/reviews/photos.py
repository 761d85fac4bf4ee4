"""A shopper's review photo, made safe to store and show to everyone.

A phone photo's EXIF usually holds the GPS position where it was taken, often the
shopper's home, plus the device make and model; XMP blocks and JPEG comments can carry
more. Stripping tags one by one misses whatever we did not think of, so the photo is
decoded and re-encoded from its pixels alone: the stored JPEG has no metadata at all.

The file comes from a stranger, so it is treated as hostile: its size is capped before
anything is read, its pixel count is checked from the header before any pixel is decoded
(a few kilobytes of PNG can declare gigabytes of pixels), and only common photo formats
are opened. Decoding is CPU work: call `clean_photo_async`, or `clean_photo` in a thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import warnings
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # larger than any phone photo a chat app passes on
MAX_SIDE = 2048  # plenty for a product card; keeps stored files small
MAX_PIXELS = 40_000_000  # beyond a 40 MP camera; decoding more would be a memory attack
JPEG_QUALITY = 85
# What shoppers send. Everything else Pillow knows (EPS runs Ghostscript, TIFF and PSD
# are large attack surfaces) is not opened at all. JPEG covers MPO (multi-picture) too.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")

_SRGB = ImageCms.createProfile("sRGB")
_WHITE = (255, 255, 255)


class PhotoProblem(StrEnum):
    """Why a photo was refused."""

    TOO_LARGE = "too_large"  # more than MAX_PHOTO_BYTES
    NOT_IMAGE = "not_image"  # not a picture in one of FORMATS
    UNDECODABLE = "undecodable"  # recognised, but truncated or corrupt
    BOMB = "bomb"  # declares more pixels than MAX_PIXELS


class PhotoRefused(Exception):
    """The photo cannot be stored; `problem` says why (for the message to the shopper)."""

    def __init__(self, problem: PhotoProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo: an sRGB JPEG with no metadata, longest side at most MAX_SIDE."""

    data: bytes
    width: int
    height: int
    digest: str  # sha256 hex of data: the file name, so the same photo is stored once


def clean_photo(data: bytes) -> CleanPhoto:
    """Decode `data`, keep its pixels upright, drop all metadata and re-encode as JPEG.

    Raises PhotoRefused. Blocking: run it in a worker thread (see `clean_photo_async`).
    """
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRefused(PhotoProblem.TOO_LARGE)
    # Pillow warns (and only past twice its limit raises) on huge images; here either is
    # a refusal. Its global MAX_IMAGE_PIXELS is left alone: other code uses Pillow too.
    # catch_warnings is process-wide, so with threads a warning may slip through; the
    # MAX_PIXELS check below is stricter than Pillow's, so the bomb is refused anyway.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture = _decode(data)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRefused(PhotoProblem.BOMB) from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))  # in place, keeps the aspect ratio
    # A fresh image holds the pixels and nothing else: Pillow would otherwise write the
    # source's JPEG comment and XMP back out by default.
    flat = Image.new("RGB", picture.size, _WHITE)
    flat.paste(picture, mask=picture if picture.mode == "RGBA" else None)
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    encoded = out.getvalue()
    return CleanPhoto(
        data=encoded,
        width=flat.width,
        height=flat.height,
        digest=hashlib.sha256(encoded).hexdigest(),
    )


async def clean_photo_async(data: bytes) -> CleanPhoto:
    """`clean_photo` in a worker thread, so decoding does not stall the event loop."""
    return await asyncio.to_thread(clean_photo, data)


def _decode(data: bytes) -> Image.Image:
    """The first frame, upright, as RGB or RGBA in sRGB."""
    try:
        img = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise PhotoRefused(PhotoProblem.NOT_IMAGE) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # A format's signature matched but its header is broken.
        raise PhotoRefused(PhotoProblem.UNDECODABLE) from None
    with img:
        # Only the header has been read so far: refuse before decoding a single pixel.
        if img.width * img.height > MAX_PIXELS:
            raise PhotoRefused(PhotoProblem.BOMB)
        # A big JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers MAX_SIDE.
        img.draft(None, (MAX_SIDE, MAX_SIDE))
        try:
            img.load()
            # Phones store pixels as the sensor saw them plus an Orientation tag; the
            # tag is dropped with the rest, so turn the pixels instead.
            ImageOps.exif_transpose(img, in_place=True)  # no second full-size copy
            return _normalised(img)
        except (OSError, SyntaxError, ValueError, EOFError):
            raise PhotoRefused(PhotoProblem.UNDECODABLE) from None


def _normalised(img: Image.Image) -> Image.Image:
    """RGB, or RGBA where the picture has transparency; colours converted to sRGB."""
    img = _to_srgb(img)
    if img.mode == "I" or img.mode.startswith("I;16"):
        # 16-bit grey: Pillow's conversion clips it to 8 bits (mostly white); scale it.
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    has_alpha = img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info
    return img.convert("RGBA" if has_alpha else "RGB")


def _to_srgb(img: Image.Image) -> Image.Image:
    """Apply the embedded colour profile, so colours survive dropping it (wide-gamut
    phone photos would look washed out otherwise)."""
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if img.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(img, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img  # a broken profile: the pixels as stored beat refusing the photo
    return converted if converted is not None else img
