"""A review across platforms, through a real `shopbot run` against both fakes: written
on Telegram as an album of three photos with `/review` in the caption, approved on
Discord by a moderator there, then shown with its photos on both; the stored photos
carry no EXIF (so no GPS)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from tests import fake_discord
from tests.fake_discord import EVERYONE_PERMS, FakeDiscord, interaction, slash
from tests.fake_telegram import FakeTelegram, user
from tests.processes import Cluster, discord, sqlite_cluster, telegram

TINA = 61
MOD = fake_discord.user("500000000000000002", "Mod")
SHOPPER = fake_discord.user("500000000000000003", "Dora")
MOD_PERMS = str(int(EVERYONE_PERMS) | (1 << 13))  # manage messages
__all__ = ["discord", "sqlite_cluster", "telegram"]  # fixtures


def photo_with_gps(colour: str) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (60.0, 10.0, 5.0)})
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG", exif=exif)
    return out.getvalue()


def attachments(calls: list[Any]) -> list[list[dict[str, Any]]]:
    """The attachments of each Discord message an interaction's calls made."""
    found = []
    for call in calls:
        result = call.result or {}
        message = result.get("resource", {}).get("message", result)
        if isinstance(message, dict) and message.get("attachments"):
            found.append(message["attachments"])
    return found


def for_interaction(discord: FakeDiscord, payload: dict[str, Any]) -> list[Any]:
    """The callback and the follow-ups of one interaction."""
    return [
        c
        for c in discord.calls
        if payload["id"] in c.path or payload["token"] in c.path
        if c.status < 300
    ]


async def test_telegram_album_review_approved_on_discord_shows_on_both(
    sqlite_cluster: Cluster, telegram: FakeTelegram, discord: FakeDiscord, tmp_path: Path
) -> None:
    telegram.add_private(TINA)
    await sqlite_cluster.load_catalog()
    bot = await sqlite_cluster.start(
        telegram,
        discord,
        media_dir=str(tmp_path / "media"),
        # The shop's own moderator: decides on reviews written in private chats, which
        # belong to no community (a chat admin decides on their community's only).
        moderator_ids=f"discord:{MOD['id']}",
    )
    try:
        await discord.wait_for(lambda: discord.identifies, seconds=60)
        await telegram.wait_for(lambda: telegram.sent(method="setMyCommands"), seconds=30)

        tina = user(TINA, "Tina")
        for n, colour in enumerate(("olive", "navy", "tan")):
            caption = "/review BAG-001 5 Love it, fits my laptop" if n == 0 else ""
            telegram.push_photo(TINA, tina, caption, "album-1", photo_with_gps(colour))
        [thanks] = await telegram.wait_for(
            lambda: [c for c in telegram.sent(TINA, "sendMessage") if "moderator" in str(c.params)]
        )
        [album] = await telegram.wait_for(lambda: telegram.sent(TINA, "sendMediaGroup"))
        assert len(album.params["media"]) == 3

        # A Discord moderator reads the queue: the review, its three photos, the buttons.
        queue = slash("queue", who=MOD)
        queue["member"]["permissions"] = MOD_PERMS
        await discord.dispatch("INTERACTION_CREATE", queue)
        calls = await discord.wait_for(
            lambda: (found := for_interaction(discord, queue)) and attachments(found) and found
        )
        assert [len(a) for a in attachments(calls)] == [3]
        [item] = [
            c.result.get("resource", {}).get("message", c.result)
            for c in calls
            if "Love it" in str(c.body)
        ]
        [approve] = [
            b["custom_id"]
            for row in item["components"]
            for b in row["components"]
            if b.get("label") == "Approve"
        ]
        press = interaction(3, {"custom_id": approve, "component_type": 2}, who=MOD, message=item)
        press["member"]["permissions"] = MOD_PERMS
        await discord.dispatch("INTERACTION_CREATE", press)
        # The author hears about it on Telegram, where she wrote it.
        await telegram.wait_for(
            lambda: [
                c for c in telegram.sent(TINA, "sendMessage") if "is published" in str(c.params)
            ]
        )

        # Shown with its photos on Discord...
        shown = slash("reviews", who=SHOPPER, product="BAG-001")
        await discord.dispatch("INTERACTION_CREATE", shown)
        calls = await discord.wait_for(
            lambda: (found := for_interaction(discord, shown)) and attachments(found) and found
        )
        assert [len(a) for a in attachments(calls)] == [3]
        assert "Love it, fits my laptop" in str([c.body for c in calls])
        assert "★ 5.0 · 1 review" in str([c.body for c in calls])
        # ... and on Telegram, as an album.
        telegram.push_message(TINA, tina, "/reviews BAG-001")
        albums = await telegram.wait_for(
            lambda: (found := telegram.sent(TINA, "sendMediaGroup")) and len(found) == 2 and found
        )
        assert len(albums[-1].params["media"]) == 3
    finally:
        assert await bot.stop() == 0, bot.text
    stored = sorted((tmp_path / "media").glob("*.jpg"))
    assert len(stored) == 3
    for path in stored:
        assert not Image.open(path).getexif() and b"Exif" not in path.read_bytes()
    assert "Trail Backpack 30L" in str(thanks.params)
