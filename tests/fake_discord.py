"""A loopback Discord for tests: REST under /api/v10 and a JSON websocket gateway,
enough of both to run the real discord.py client against it.

It validates outgoing messages as Discord does (2,000-character content, embed and
component limits, poll limits), records every REST call, timestamps interaction
acknowledgements, and can answer 429 (rate limited) or invalidate the gateway session.

Several bot processes may connect at once (duplicated sessions): every event goes to
every session, as Discord does, and an interaction is acknowledged once: a second
acknowledgement is refused with 40060, and follow-ups before any with 10015.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.web_request import FileField

from tests.loopback import LoopbackServer

TOKEN = "discord-test-token"
APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "900000000000000010"
CHANNEL_ID = "900000000000000011"
MOD_ROLE_ID = "900000000000000012"
DM_CHANNEL_ID = "900000000000000013"
EVERYONE_PERMS = str((1 << 10) | (1 << 11))  # view channel, send messages
MANAGE_MESSAGES = str(1 << 13)
NOW = "2026-11-24T12:00:00+00:00"
_NO_ROUTE = object()  # a route table that does not know the request


def user(user_id: str, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name.lower(),
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


BOT = {**user(BOT_ID, "ShopBot", bot=True), "verified": True, "mfa_enabled": False, "flags": 0}
ALICE = user("500000000000000001", "Alice")
_interaction_ids = itertools.count(800_000_000_000_000_000)


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)
    result: Any = None


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FakeDiscord(LoopbackServer):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.identifies: list[dict[str, Any]] = []
        self.interactions: dict[str, float] = {}  # interaction id -> dispatched at
        self.dm_blocked: set[str] = set()  # users who accept no DMs from the bot
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self.cdn: dict[str, bytes] = {}  # attachments people sent, by file name
        self.messages: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(910_000_000_000_000_000)
        self._seq = itertools.count(1)
        self._sessions: list[web.WebSocketResponse] = []  # identified, newest last
        self._identified = asyncio.Event()
        self.acknowledged: set[str] = set()  # interaction ids
        # Native polls' voters, as Discord keeps them: message -> answer -> user id -> user.
        self.poll_voters: dict[str, dict[int, dict[str, dict[str, Any]]]] = {}
        self._tokens: dict[str, str] = {}  # interaction token -> id
        self._rate_limit_left = 0

    # --- server ---------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/cdn/{name}", self._cdn)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)

    async def stop(self) -> None:
        for ws in list(self._sessions):
            await ws.close()
        await super().stop()

    async def _cdn(self, request: web.Request) -> web.Response:
        """Files people attached (Discord's CDN), by name."""
        data = self.cdn.get(request.match_info["name"])
        return web.Response(status=404) if data is None else web.Response(body=data)

    def attach(self, name: str, data: bytes, content_type: str = "image/jpeg") -> dict[str, Any]:
        """A file someone attached, as Discord resolves it in an interaction."""
        self.cdn[name] = data
        url = f"http://127.0.0.1:{self.port}/cdn/{name}"
        attachment_id = str(next(self._ids))
        return {
            "id": attachment_id,
            "filename": name,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- gateway --------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None})
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            op = payload["op"]
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                self.identifies.append(payload["d"])
                self._sessions.append(ws)
                await self._send_to(
                    ws,
                    "READY",
                    {
                        "v": 10,
                        "user": BOT,
                        "guilds": [{"id": GUILD_ID, "unavailable": True}],
                        "session_id": f"session-{len(self.identifies)}",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": APP_ID, "flags": 0},
                        "private_channels": [],
                    },
                )
                await self._send_to(ws, "GUILD_CREATE", guild())
                self._identified.set()
        if ws in self._sessions:
            self._sessions.remove(ws)
        return ws

    async def _send_to(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to every connected session (each process of the bot)."""
        await self._identified.wait()
        if event == "INTERACTION_CREATE":
            self.interactions[data["id"]] = time.monotonic()
            self._tokens[data["token"]] = data["id"]
        for ws in list(self._sessions):
            with contextlib.suppress(ConnectionError):
                await self._send_to(ws, event, data)

    async def invalidate_session(self) -> None:
        """Op 9 with d=false: the client must identify again from scratch."""
        ws = self._sessions.pop()
        self._identified.clear()
        await ws.send_json({"op": 9, "d": False, "s": None, "t": None})

    async def vote(
        self,
        message_id: str,
        voter: dict[str, Any],
        answer_id: int,
        add: bool = True,
        bot_connected: bool = True,
    ) -> None:
        """Someone votes in a native poll. Discord keeps the vote, and tells the bot only
        if it is connected."""
        answer = self.poll_voters.setdefault(message_id, {}).setdefault(answer_id, {})
        if add:
            answer[voter["id"]] = voter
        else:
            answer.pop(voter["id"], None)
        if bot_connected:
            message = self.messages[message_id]
            event = {
                "user_id": voter["id"],
                "channel_id": message["channel_id"],
                "message_id": message_id,
                "guild_id": GUILD_ID,
                "answer_id": answer_id,
            }
            await self.dispatch(
                "MESSAGE_POLL_VOTE_ADD" if add else "MESSAGE_POLL_VOTE_REMOVE", event
            )

    def rate_limit(self, times: int) -> None:
        """The next `times` message sends get 429 with a short retry_after."""
        self._rate_limit_left = times

    # --- REST ----------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body = await _body(request)
        call = Call(request.method, path, body)
        self.calls.append(call)
        if request.headers.get("Authorization") not in (f"Bot {TOKEN}", None) and not (
            path.startswith("/webhooks") or path.startswith("/interactions")
        ):
            call.status = 401
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        sends = request.method == "POST" and (
            path.endswith("/messages") or path.startswith("/webhooks")
        )
        if sends and self._rate_limit_left > 0:
            self._rate_limit_left -= 1
            call.status = 429
            return _json(
                {"message": "You are being rate limited.", "retry_after": 0.2, "global": False},
                status=429,
                headers={"Retry-After": "0.2", "X-RateLimit-Scope": "user", "Via": "1.1 google"},
            )
        try:
            result = self._route(request.method, path, body, request.query)
        except ApiError as error:
            call.status = error.status
            return _json({"message": error.message, "code": error.code}, status=error.status)
        call.result = result
        if result is None:
            call.status = 204
            return web.Response(status=204)
        return _json(result)

    def _route(self, method: str, path: str, body: dict[str, Any], query: Any) -> Any:
        parts = path.strip("/").split("/")
        for routes in (self._app_routes, self._interaction_routes, self._channel_routes):
            found = routes(method, parts, body, query)
            if found is not _NO_ROUTE:
                return found
        raise ApiError(404, 0, f"404: Not Found ({method} {path} not in the fake)")

    def _app_routes(self, method: str, parts: list[str], body: dict[str, Any], query: Any) -> Any:
        match method, parts:
            case "GET", ["users", "@me"]:
                return BOT
            case "GET", ["gateway", "bot"]:
                return {
                    "url": self.gateway_url,
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            case "GET", ["oauth2", "applications", "@me"]:
                return {
                    "id": APP_ID,
                    "name": "ShopBot",
                    "icon": None,
                    "description": "",
                    "rpc_origins": [],
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user("900000000000000099", "Owner"),
                    "verify_key": "k",
                    "flags": 0,
                    "team": None,
                    "summary": "",
                }
            case "PUT", ["applications", _, "commands"] | [
                "applications",
                _,
                "guilds",
                _,
                "commands",
            ]:
                return [self._check_command(c) for c in body.get("_list", [])]
            case "POST", ["users", "@me", "channels"]:
                recipient = str(body["recipient_id"])
                channel_id = self.dm_channels.setdefault(recipient, str(next(self._ids)))
                return {
                    "id": channel_id,
                    "type": 1,
                    "last_message_id": None,
                    "recipients": [user(recipient, f"User{recipient[-3:]}")],
                }
            case "GET", ["users", user_id]:
                return user(user_id, f"User{user_id[-3:]}")
        return _NO_ROUTE

    def _interaction_routes(
        self, method: str, parts: list[str], body: dict[str, Any], query: Any
    ) -> Any:
        match method, parts:
            case "POST", ["interactions", interaction_id, _token, "callback"]:
                if interaction_id in self.acknowledged:
                    raise ApiError(400, 40060, "Interaction has already been acknowledged.")
                self.acknowledged.add(interaction_id)
                return self._callback(interaction_id, body)
            case "POST", ["webhooks", _, token]:
                self._check_acknowledged(token)
                return self._message(CHANNEL_ID, body, webhook=True)
            case "PATCH", ["webhooks", _, token, "messages", "@original"]:
                self._check_acknowledged(token)
                return self._message(CHANNEL_ID, body, webhook=True)
            case "DELETE", ["webhooks", _, token, "messages", "@original"]:
                self._check_acknowledged(token)
                return None
        return _NO_ROUTE

    def _channel_routes(
        self, method: str, parts: list[str], body: dict[str, Any], query: Any
    ) -> Any:
        match method, parts:
            case "POST", ["channels", channel_id, "messages"]:
                if any(self.dm_channels.get(u) == channel_id for u in self.dm_blocked):
                    raise ApiError(403, 50007, "Cannot send messages to this user")
                return self._message(channel_id, body)
            case "PATCH", ["channels", channel_id, "messages", message_id]:
                if message_id not in self.messages:
                    raise ApiError(404, 10008, "Unknown Message")
                return self._message(channel_id, body, message_id=message_id)
            case "GET", ["channels", _, "polls", message_id, "answers", answer_id]:
                if "poll" not in self.messages.get(message_id, {}):
                    raise ApiError(404, 10008, "Unknown Message")
                after = int(query.get("after") or 0)
                limit = min(int(query.get("limit") or 25), 100)
                voters = self.poll_voters.get(message_id, {}).get(int(answer_id), {})
                later = sorted(
                    (v for k, v in voters.items() if int(k) > after), key=lambda v: int(v["id"])
                )
                return {"users": later[:limit]}
            case ("PUT" | "DELETE") as verb, [
                "channels",
                channel_id,
                "messages",
                "pins",
                message_id,
            ]:
                if self.messages.get(message_id, {}).get("channel_id") != channel_id:
                    raise ApiError(404, 10008, "Unknown Message")
                self.messages[message_id]["pinned"] = verb == "PUT"
                return None
            case "POST", ["channels", _, "polls", message_id, "expire"]:
                message = self.messages.get(message_id)
                if message is None or "poll" not in message:
                    raise ApiError(404, 10008, "Unknown Message")
                return message
        return _NO_ROUTE

    def _check_acknowledged(self, token: str) -> None:
        """Follow-ups exist only once the interaction is acknowledged."""
        interaction_id = self._tokens.get(token)
        if interaction_id is not None and interaction_id not in self.acknowledged:
            raise ApiError(404, 10015, "Unknown Webhook")

    def _check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        if not 1 <= len(command["name"]) <= 32 or command["name"] != command["name"].lower():
            raise ApiError(400, 50035, "Invalid Form Body: name")
        if not 1 <= len(command.get("description", "")) <= 100:
            raise ApiError(400, 50035, "Invalid Form Body: description")
        seen_optional = False
        for option in command.get("options", []):
            for name in [option["name"], *option.get("name_localizations", {}).values()]:
                if not re.fullmatch(r"[-_'\w]{1,32}", name) or name != name.lower():
                    raise ApiError(400, 50035, f"Invalid Form Body: option name {name!r}")
            if option.get("required") and seen_optional:
                raise ApiError(400, 50035, "Required options must be placed before optional")
            seen_optional = seen_optional or not option.get("required")
        return {**command, "id": str(next(self._ids)), "application_id": APP_ID, "version": "1"}

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body["type"]
        data = body.get("data") or {}
        response: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & 64),
            }
        }
        if kind == 4:
            uploaded: dict[str, Any] = {k: body[k] for k in ("_files", "_file_bytes") if k in body}
            message = self._message(CHANNEL_ID, {**data, **uploaded}, webhook=True)
            response["resource"] = {"type": 4, "message": message}
            response["interaction"]["response_message_id"] = message["id"]
        elif kind == 8:
            if len(data.get("choices", [])) > 25:
                raise ApiError(400, 50035, "Invalid Form Body: too many choices")
            response["resource"] = {"type": 8}
        elif kind == 9:
            _check_modal(data)
            response["resource"] = {"type": 9}
        else:
            response["resource"] = {"type": kind}
        return response

    def _message(
        self,
        channel_id: str,
        body: dict[str, Any],
        webhook: bool = False,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        _check_message(body)
        content = body.get("content") or ""
        embeds = body.get("embeds") or []
        poll = body.get("poll")
        message = message_payload(
            message_id or str(next(self._ids)),
            channel_id,
            BOT,
            content,
            embeds=embeds,
            components=body.get("components") or [],
            attachments=[
                _attachment(a, name, data)
                for a, name, data in zip(
                    body.get("attachments") or [],
                    body.get("_files") or [],
                    body.get("_file_bytes") or [],
                    strict=False,
                )
            ],
        )
        if poll is not None:
            message["poll"] = {
                "question": poll["question"],
                "allow_multiselect": poll.get("allow_multiselect"),
                "layout_type": 1,
                "expiry": NOW,
                "answers": [
                    {"answer_id": i + 1, "poll_media": a["poll_media"]}
                    for i, a in enumerate(poll["answers"])
                ],
            }
        if webhook:
            message["webhook_id"] = APP_ID
        self.messages[message["id"]] = message
        return message

    # --- what tests inspect ------------------------------------------------------------

    def sent(self, method: str | None = None, contains: str = "") -> list[Call]:
        return [
            c
            for c in self.calls
            if (method is None or c.method == method) and contains in c.path and c.status < 300
        ]

    async def wait_for(self, check: Callable[[], Any], seconds: float = 15) -> Any:
        async with asyncio.timeout(seconds):
            while not (found := check()):  # noqa: ASYNC110 - state changes outside the fake
                await asyncio.sleep(0.02)
            return found


def guild() -> dict[str, Any]:
    role = {
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
        "icon": None,
        "unicode_emoji": None,
    }
    return {
        "id": GUILD_ID,
        "name": "Shop talk",
        "icon": None,
        "owner_id": "900000000000000099",
        "roles": [
            {
                **role,
                "id": GUILD_ID,
                "name": "@everyone",
                "permissions": EVERYONE_PERMS,
                "position": 0,
            },
            {
                **role,
                "id": MOD_ROLE_ID,
                "name": "Mods",
                "permissions": MANAGE_MESSAGES,
                "position": 1,
            },
        ],
        "channels": [
            {
                "id": CHANNEL_ID,
                "type": 0,
                "name": "shop",
                "position": 0,
                "permission_overwrites": [],
                "guild_id": GUILD_ID,
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
            }
        ],
        "members": [member(BOT)],
        "member_count": 3,
        "large": False,
        "unavailable": False,
        "features": [],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "threads": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "joined_at": NOW,
        "preferred_locale": "en-US",
        "premium_tier": 0,
        "mfa_level": 0,
        "verification_level": 0,
        "explicit_content_filter": 0,
        "default_message_notifications": 0,
        "system_channel_flags": 0,
        "system_channel_id": CHANNEL_ID,
        "nsfw_level": 0,
        "afk_timeout": 300,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "splash": None,
    }


def member(
    account: dict[str, Any], roles: list[str] | None = None, permissions: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": account,
        "roles": roles or [],
        "joined_at": NOW,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "premium_since": None,
        "pending": False,
    }
    if permissions is not None:
        data["permissions"] = permissions
    return data


def message_payload(
    message_id: str, channel_id: str, author: dict[str, Any], content: str, **extra: Any
) -> dict[str, Any]:
    return {
        "id": message_id,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": NOW,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [],
        **extra,
    }


def _check_message(body: dict[str, Any]) -> None:
    """Discord's limits on a message: content, embeds, components, polls."""
    if len(body.get("content") or "") > 2000:
        raise ApiError(400, 50035, "Invalid Form Body: content: Must be 2000 or fewer")
    for embed in body.get("embeds") or []:
        if len(embed.get("title") or "") > 256 or len(embed.get("description") or "") > 4096:
            raise ApiError(400, 50035, "Invalid Form Body: embed")
        fields = embed.get("fields") or []
        if len(fields) > 25 or any(len(f["name"]) > 256 or len(f["value"]) > 1024 for f in fields):
            raise ApiError(400, 50035, "Invalid Form Body: embed fields")
    for row in body.get("components") or []:
        for component in row.get("components", []):
            if len(component.get("custom_id") or "") > 100:
                raise ApiError(400, 50035, "Invalid Form Body: custom_id")
    poll = body.get("poll")
    if poll is not None:
        answers = poll.get("answers", [])
        if not 1 <= len(answers) <= 10 or any(len(a["poll_media"]["text"]) > 55 for a in answers):
            raise ApiError(400, 50035, "Invalid Form Body: poll")
        if not 1 <= int(poll.get("duration", 24)) <= 768:
            raise ApiError(400, 50035, "Invalid Form Body: poll duration")


def _check_modal(data: dict[str, Any]) -> None:
    """Discord's limits for a modal: a title and a custom_id, 1-5 rows of text inputs
    whose labels fit."""
    fields = [c for row in data.get("components", []) for c in row.get("components", [])]
    if not 1 <= len(data.get("title", "")) <= 45 or not data.get("custom_id"):
        raise ApiError(400, 50035, "Invalid Form Body: title")
    if not 1 <= len(fields) <= 5 or any(
        f.get("type") != 4 or not 1 <= len(f.get("label", "")) <= 45 for f in fields
    ):
        raise ApiError(400, 50035, "Invalid Form Body: components")


def modal_submit(
    custom_id: str, values: dict[str, str], who: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What Discord sends when `who` submits a modal in the shop channel."""
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
        for key, value in values.items()
    ]
    return interaction(5, {"custom_id": custom_id, "components": rows}, who=who)


def _attachment(sent: dict[str, Any], filename: str, data: bytes) -> dict[str, Any]:
    """An uploaded file as Discord describes it back."""
    attachment_id = str(900_000_000_000_000_000 + int(sent.get("id", 0)))
    url = f"https://cdn.discordapp.com/attachments/{attachment_id}/{filename}"
    return {
        "id": attachment_id,
        "filename": sent.get("filename", filename),
        "size": len(data),
        "url": url,
        "proxy_url": url,
    }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json", as Discord sends it (discord.py compares the header).
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return data if isinstance(data, dict) else {"_list": data}
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        payload = form.get("payload_json")
        data = json.loads(payload) if isinstance(payload, str) else {}
        uploads = [v for k, v in form.items() if k.startswith("files[")]
        data["_files"] = [getattr(v, "filename", "file") for v in uploads]
        data["_file_bytes"] = [v.file.read() for v in uploads if isinstance(v, FileField)]
        return data
    with contextlib.suppress(ValueError):
        return dict(await request.post())
    return {}


def interaction(
    kind: int,
    data: dict[str, Any],
    *,
    who: dict[str, Any] | None = None,
    permissions: str = EVERYONE_PERMS,
    locale: str = "en-US",
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    interaction_id = str(next(_interaction_ids))
    payload: dict[str, Any] = {
        "id": interaction_id,
        "application_id": APP_ID,
        "type": kind,
        "data": data,
        "token": f"token-{interaction_id}",
        "version": 1,
        "locale": locale,
        "guild_locale": "en-US",
        "entitlements": [],
        "context": 0,
        "authorizing_integration_owners": {"0": GUILD_ID},
        "attachment_size_limit": 8_000_000,
        "app_permissions": str((1 << 11) | (1 << 14)),
        "guild_id": GUILD_ID,
        "channel_id": CHANNEL_ID,
        "channel": {
            "id": CHANNEL_ID,
            "type": 0,
            "guild_id": GUILD_ID,
            "name": "shop",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "permissions": permissions,
        },
        "member": member(who or ALICE, permissions=permissions),
    }
    if message is not None:
        payload["message"] = message
    return payload


def slash(name: str, who: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    return interaction(
        2,
        {
            "id": "1",
            "name": name,
            "type": 1,
            "options": [
                {"name": k, "type": 3 if isinstance(v, str) else 4, "value": v}
                for k, v in options.items()
            ],
        },
        who=who,
    )


def callbacks(fake: FakeDiscord, payload: dict[str, Any]) -> list[Any]:
    return [c for c in fake.sent("POST", f"/interactions/{payload['id']}/")]


def dm_slash(name: str, who: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    """A slash command sent in the bot's private chat with `who`."""
    payload = slash(name, who=who, **options)
    for key in ("guild_id", "member", "guild_locale"):
        payload.pop(key)
    payload.update(
        context=1,
        user=who or ALICE,
        channel_id=DM_CHANNEL_ID,
        channel={"id": DM_CHANNEL_ID, "type": 1},
        authorizing_integration_owners={"0": (who or ALICE)["id"]},
    )
    return payload
