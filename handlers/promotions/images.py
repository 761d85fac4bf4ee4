"""A promotion's own picture is checked when it is written: the address must answer
with an image, so no chat gets a broken post weeks later."""

from __future__ import annotations

import io

import aiohttp
from PIL import Image, UnidentifiedImageError

from handlers.core.errors import UserError
from handlers.core.i18n import N_

TIMEOUT = aiohttp.ClientTimeout(total=10)
MAX_BYTES = 10 * 1024 * 1024  # what Telegram fetches for a photo by URL


async def check_image(url: str) -> None:
    """Refuse (UserError) an address that does not answer with a picture."""
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client, client.get(url) as reply:
            if reply.status != 200:
                raise UserError(
                    N_("The image {url} does not answer (HTTP {status})."),
                    url=url[:200],
                    status=reply.status,
                )
            data = await reply.content.read(MAX_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError):
        raise UserError(N_("The image {url} does not answer."), url=url[:200]) from None
    if len(data) > MAX_BYTES:
        raise UserError(N_("The image {url} is larger than 10 MB."), url=url[:200])
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UserError(N_("{url} is not an image."), url=url[:200]) from None
