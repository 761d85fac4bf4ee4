"""Review photos in: fetched from the platform, cleaned (handlers/reviews/photos.py),
kept in `media_dir` under their digest; and out: as `Image`s any adapter can upload, so
a photo sent on Telegram shows on Discord."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.i18n import N_, Nn_
from handlers.core.model import Album, Attachment, Image
from handlers.reviews.photos import (
    MAX_PHOTO_BYTES,
    CleanPhoto,
    PhotoProblem,
    PhotoRefused,
    clean_photo_async,
)
from storage.reviews import PhotoFile

MAX_PHOTOS = 5
ALBUM_LIMIT = 10  # pictures per Telegram album or Discord message
REFUSALS = {
    PhotoProblem.TOO_LARGE: N_("That photo is over 10 MB. Please send a smaller one."),
    PhotoProblem.NOT_IMAGE: N_("That file is not a photo I can read (JPEG, PNG, WebP or GIF)."),
    PhotoProblem.UNDECODABLE: N_("That photo seems damaged: I could not open it."),
    PhotoProblem.BOMB: N_("That picture is far too large in pixels. Please send a normal photo."),
}
TOO_MANY = Nn_("A review has at most {n} photo.", "A review has at most {n} photos.")


async def take_photos(
    ctx: Context, attachments: Sequence[Attachment], already: int = 0
) -> list[PhotoFile]:
    """The attachments as stored review photos, or a UserError naming the problem
    before anything is stored (too many, not an image, too large, damaged)."""
    if not attachments:
        return []
    if already + len(attachments) > MAX_PHOTOS:
        raise UserError(TOO_MANY, n=MAX_PHOTOS)
    download = ctx.services.downloads.get(ctx.event.platform)
    if download is None:
        raise UserError(N_("I can't receive photos here."))
    cleaned: list[CleanPhoto] = []
    for attachment in attachments:
        if attachment.size is not None and attachment.size > MAX_PHOTO_BYTES:
            raise UserError(REFUSALS[PhotoProblem.TOO_LARGE])
        if attachment.mime_type and not attachment.mime_type.startswith("image/"):
            raise UserError(REFUSALS[PhotoProblem.NOT_IMAGE])  # a PDF, say: not fetched
        try:
            data = await download(attachment, MAX_PHOTO_BYTES)
            cleaned.append(await clean_photo_async(data))
        except PhotoRefused as refused:
            raise UserError(REFUSALS[refused.problem]) from None
        except OSError:
            raise UserError(N_("I couldn't fetch that photo. Please send it again.")) from None
    folder = Path(ctx.services.settings.media_dir)
    return [await asyncio.to_thread(_store, folder, photo) for photo in cleaned]


def _store(folder: Path, photo: CleanPhoto) -> PhotoFile:
    """Write the photo once under its digest; written whole or not at all."""
    name = f"{photo.digest}.jpg"
    target = folder / name
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(photo.data)
        os.replace(temporary, target)
    return PhotoFile(name, photo.width, photo.height)


def sweep(folder: Path, in_use: set[str], older_than: float) -> int:
    """Delete photo files no review or draft holds, last written before `older_than`
    (a timestamp: a draft's newest photo is in the folder before its conversation
    row is committed). Returns how many went; another process may sweep at once."""
    if not folder.is_dir():
        return 0
    gone = 0
    for path in folder.glob("*.jpg"):
        try:
            if path.name not in in_use and path.stat().st_mtime < older_than:
                path.unlink()
                gone += 1
        except FileNotFoundError:
            continue  # swept by another process
    for partial in folder.glob("*.part"):  # a write cut short by a crash
        with contextlib.suppress(FileNotFoundError):
            if partial.stat().st_mtime < older_than:
                partial.unlink()
    return gone


def pictures(ctx: Context, photos: Sequence[PhotoFile], caption: str = "") -> Album | None:
    """The photos as an album, the caption on the first; None without photos."""
    if not photos:
        return None
    folder = Path(ctx.services.settings.media_dir).resolve()
    images = tuple(
        Image(path=str(folder / photo.file), filename=photo.file, caption=caption if i == 0 else "")
        for i, photo in enumerate(photos[:ALBUM_LIMIT])
    )
    return Album(images)
