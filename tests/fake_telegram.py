"""A loopback Bot API server for tests: enough of Telegram to run the real
python-telegram-bot Application against it, validating requests as Telegram does.

It answers getUpdates from a queue the test fills (`push_*`), keeping each update until
a call with a higher offset confirms it, as Telegram does; records every call,
and refuses what Telegram refuses: malformed HTML entities, text over 4,096 or captions
over 1,024 characters (UTF-16 units after parsing), callback_data over 64 bytes,
unknown chats, writing first to a user who never started the bot; and it answers 429
with retry_after while `flood()` is in effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from tests.loopback import LoopbackServer

TOKEN = "123456:TEST-token"
BOT = {
    "id": 999000,
    "is_bot": True,
    "first_name": "ShopBot",
    "username": "shopbot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,  # BotFather's /setinline
}
SEND_METHODS = {
    "sendDocument",
    "sendMessage",
    "sendPhoto",
    "sendPoll",
    "sendMediaGroup",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
}
TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "span",
    "tg-spoiler",
    "blockquote",
    "tg-emoji",
}
JSON_PARAMS = {
    "reply_markup",
    "options",
    "allowed_updates",
    "commands",
    "scope",
    "link_preview_options",
    "reply_parameters",
    "media",
    "results",
    "button",
}
INLINE_RESULT_TYPES = {"article", "photo"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TOKEN_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>|&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|[<>&]"
)


def parse_html(text: str) -> str:
    """The visible text of Telegram HTML, or ApiError 400 where Telegram would refuse."""
    visible: list[str] = []
    stack: list[str] = []
    pos = 0
    for match in _TOKEN_RE.finditer(text):
        visible.append(text[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        if match.group(2):
            closing, tag = match.group(1) == "/", match.group(2).lower()
            if tag not in TAGS:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Unsupported start tag "
                    f'"{tag}" at byte offset {match.start()}',
                )
            if closing:
                if not stack or stack.pop() != tag:
                    raise ApiError(
                        400,
                        "Bad Request: can't parse entities: Can't find end tag "
                        f'corresponding to start tag "{tag}"',
                    )
            else:
                stack.append(tag)
        elif match.group(4):
            name = match.group(4)
            if not name.startswith("#") and name not in ("lt", "gt", "amp", "quot"):
                raise ApiError(400, f"Bad Request: can't parse entities: Unknown entity {token}")
            visible.append(html.unescape(token))
        else:
            raise ApiError(
                400,
                "Bad Request: can't parse entities: Unexpected "
                f"{token!r} at byte offset {match.start()}",
            )
    visible.append(text[pos:])
    if stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag corresponding "
            f'to start tag "{stack[-1]}"',
        )
    return "".join(visible)


@dataclass
class FakeChat:
    id: int
    type: str
    title: str | None = None
    admins: set[int] = field(default_factory=set)
    started: bool = True  # private chats: has the user started the bot?

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        else:
            data["first_name"] = f"User{self.id}"
        return data


def user(
    user_id: int, name: str = "Alice", username: str | None = None, language: str | None = "en"
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
    if username:
        data["username"] = username
    if language:
        data["language_code"] = language
    return data


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


class FakeTelegram(LoopbackServer):
    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.chats: dict[int, FakeChat] = {}
        self.files: dict[str, bytes] = {}  # file_id -> bytes, served by getFile + /file/
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._again: list[dict[str, Any]] = []  # redeliveries, whatever the offset
        self.delivered: list[dict[str, Any]] = []  # every update returned, repeats too
        self.confirmed = 0  # the highest offset a getUpdates call gave
        self._pushed = asyncio.Event()
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._poll_ids = itertools.count(1)
        self._flood_left = 0
        self._outages_left = 0
        self.outages_served = 0
        self._retry_after = 1
        self._arrived = asyncio.Condition()
        self.inline_queries: dict[str, bool] = {}  # id -> answered

    # --- server -------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)

    async def _file(self, request: web.Request) -> web.Response:
        """A file's download, as getFile's file_path names it."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].removeprefix("photos/").removesuffix(".jpg")
        data = self.files.get(file_id)
        return web.Response(status=404) if data is None else web.Response(body=data)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        if method in SEND_METHODS and self._outages_left > 0:
            self._outages_left -= 1
            self.outages_served += 1
            return web.Response(status=502, text="Bad Gateway")
        params = await _params(request)
        call = Call(method, params)
        try:
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, f"Not Found: method {method} not in the fake")
            if method in SEND_METHODS and self._flood_left > 0:
                self._flood_left -= 1
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {self._retry_after}",
                    retry_after=self._retry_after,
                )
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
            call.result = result
            body: dict[str, Any] = {"ok": True, "result": result}
        except ApiError as error:
            call.status = error.code
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
        if method != "getUpdates":
            self.calls.append(call)
            async with self._arrived:
                self._arrived.notify_all()
        return web.json_response(body, status=200 if body["ok"] else call.status)

    # --- what tests arrange ----------------------------------------------------------

    def add_private(self, user_id: int, started: bool = True) -> FakeChat:
        chat = FakeChat(user_id, "private", started=started)
        self.chats[user_id] = chat
        return chat

    def add_group(self, chat_id: int, title: str, admins: set[int] | None = None) -> FakeChat:
        chat = FakeChat(chat_id, "supergroup", title, admins or set())
        self.chats[chat_id] = chat
        return chat

    def push_chat_member(
        self, chat_id: int, member: dict[str, Any], joined: bool, invite_link: str | None = None
    ) -> int:
        """Someone joins (through `invite_link`, when given) or leaves a group, as a
        `chat_member` update tells the bot."""
        statuses = ("left", "member") if joined else ("member", "left")
        change: dict[str, Any] = {
            "chat": self.chats[chat_id].as_dict(),
            "from": member,
            "date": int(time.time()),
            "old_chat_member": {"status": statuses[0], "user": member},
            "new_chat_member": {"status": statuses[1], "user": member},
        }
        if invite_link is not None:
            change["invite_link"] = {
                "invite_link": invite_link,
                "creator": BOT,
                "creates_join_request": False,
                "is_primary": False,
                "is_revoked": False,
            }
        return self.push({"chat_member": change})

    def flood(self, times: int, retry_after: int = 1) -> None:
        """The next `times` sending calls get 429 Too Many Requests."""
        self._flood_left, self._retry_after = times, retry_after

    def outage(self, times: int) -> None:
        """The next `times` sending calls fail with 502 Bad Gateway (a network error)."""
        self._outages_left = times

    def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        self._pushed.set()
        return update_id

    def repush(self, update_id: int) -> None:
        """Deliver an update again although it was confirmed (as after a webhook retry)."""
        self._again.append(next(u for u in self.delivered if u["update_id"] == update_id))
        self._pushed.set()

    def push_message(
        self,
        chat_id: int,
        sender: dict[str, Any],
        text: str,
        *,
        reply_to_bot: bool = False,
        sender_chat: int | None = None,
    ) -> int:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chats[chat_id].as_dict(),
            "from": sender,
            "text": text,
        }
        entities = _entities(text)
        if entities:
            message["entities"] = entities
        if reply_to_bot:
            message["reply_to_message"] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": self.chats[chat_id].as_dict(),
                "from": BOT,
                "text": "earlier answer",
            }
        if sender_chat is not None:
            message["sender_chat"] = self.chats[sender_chat].as_dict()
            message["from"] = {
                "id": 1087968824,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
        self.messages[(chat_id, message["message_id"])] = message
        return self.push({"message": message})

    def push_photo(
        self,
        chat_id: int,
        sender: dict[str, Any],
        caption: str = "",
        media_group_id: str | None = None,
        data: bytes | None = None,
    ) -> int:
        """A photo, alone or one of an album (Telegram sends an album's photos as
        messages sharing a media_group_id); `data`: its bytes, for getFile."""
        number = next(self._message_ids)
        if data is not None:
            self.files[f"ph{number}"] = data
        message: dict[str, Any] = {
            "message_id": number,
            "date": int(time.time()),
            "chat": self.chats[chat_id].as_dict(),
            "from": sender,
            "photo": [
                {
                    "file_id": f"ph{number}-s",
                    "file_unique_id": f"u{number}s",
                    "width": 90,
                    "height": 90,
                },
                {
                    "file_id": f"ph{number}",
                    "file_unique_id": f"u{number}",
                    "width": 800,
                    "height": 600,
                },
            ],
        }
        if caption:
            message["caption"] = caption
            entities = _entities(caption)
            if entities:
                message["caption_entities"] = entities
        if media_group_id is not None:
            message["media_group_id"] = media_group_id
        self.messages[(chat_id, number)] = message
        return self.push({"message": message})

    def push_join(self, chat_id: int, newcomers: list[dict[str, Any]]) -> int:
        """People joined a group (the service message Telegram sends every bot in it)."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chats[chat_id].as_dict(),
            "from": newcomers[0],
            "new_chat_members": newcomers,
        }
        return self.push({"message": message})

    def push_callback(self, sender: dict[str, Any], sent: Call, data: str) -> int:
        message = sent.result
        return self.push(
            {
                "callback_query": {
                    "id": f"cq{next(self._update_ids)}",
                    "from": sender,
                    "chat_instance": "ci",
                    "message": message,
                    "data": data,
                }
            }
        )

    def push_inline_query(self, sender: dict[str, Any], query: str) -> str:
        """Someone typed `@<bot> query` in some chat; the inline query's id."""
        query_id = f"iq{next(self._update_ids)}"
        self.inline_queries[query_id] = False
        self.push(
            {
                "inline_query": {
                    "id": query_id,
                    "from": sender,
                    "query": query,
                    "offset": "",
                    "chat_type": "supergroup",
                }
            }
        )
        return query_id

    def push_poll_answer(self, poll_id: str, sender: dict[str, Any], options: list[int]) -> int:
        answer = {
            "poll_id": poll_id,
            "user": sender,
            "option_ids": options,
            "option_persistent_ids": [f"opt{i}" for i in options],
        }
        return self.push({"poll_answer": answer})

    # --- what tests inspect ----------------------------------------------------------

    def sent(
        self, chat_id: int | None = None, method: str | None = None, ok: bool = True
    ) -> list[Call]:
        return [
            c
            for c in self.calls
            if (chat_id is None or c.chat_id == chat_id)
            and (method is None or c.method == method)
            and (c.status == 200) == ok
        ]

    async def wait_for(self, check: Callable[[], Any], seconds: float = 15) -> Any:
        async with asyncio.timeout(seconds), self._arrived:
            while not (found := check()):
                # Woken by each call; also re-checked now and then for outside changes.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), 0.05)
            return found

    # --- the Bot API ---------------------------------------------------------------

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """As Telegram: an update stays until a call with a higher offset confirms it,
        and is returned again until then; at most `limit` at a time."""
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        if offset:
            self.confirmed = max(self.confirmed, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and not self._again:
            # Long polling, kept short so shutdown is quick.
            self._pushed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._pushed.wait(), min(float(params.get("timeout") or 0), 0.3)
                )
        batch = self._again + self._updates[:limit]
        self._again = []
        self.delivered += batch
        return batch

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        for command in params["commands"]:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def _m_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id"))
        if self.inline_queries.get(query_id, True):
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or not all(1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            if result.get("type") not in INLINE_RESULT_TYPES or not result.get("title"):
                raise ApiError(400, "Bad Request: RESULT_TYPE_INVALID")
            content = result.get("input_message_content") or {}
            text = self._visible(
                content.get("message_text") or "", content, 4096, "MESSAGE_TOO_LONG"
            )
            if not text.strip():
                raise ApiError(400, "Bad Request: MESSAGE_EMPTY")
            self._check_keyboard(result.get("reply_markup"))
        button = params.get("button")
        if button is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,64}", str(button.get("start_parameter", ""))
        ):
            raise ApiError(400, "Bad Request: START_PARAM_INVALID")
        self.inline_queries[query_id] = True
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if units(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _m_getChatAdministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._chat(params)
        admins = []
        for user_id in sorted(chat.admins):
            admins.append(
                {
                    "status": "administrator",
                    "user": user(user_id, f"Admin{user_id}"),
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        return admins

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._writable(params)
        text = self._visible(params.get("text") or "", params, 4096, "message is too long")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return self._store(chat, text=text, reply_markup=params.get("reply_markup"))

    def _m_createChatInviteLink(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        if chat.type == "private":
            raise ApiError(400, "Bad Request: chat not found")
        name = str(params.get("name") or "")
        if len(name) > 32:
            raise ApiError(400, "Bad Request: invite link name is too long")
        link = f"https://t.me/+fake{next(self._message_ids)}"
        return {
            "invite_link": link,
            "creator": BOT,
            "creates_join_request": False,
            "is_primary": False,
            "is_revoked": False,
            "name": name,
        }

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        data = self.files.get(file_id)
        if data is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(data),
            "file_path": f"photos/{file_id}.jpg",
        }

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._writable(params)
        photo = params.get("photo")
        if not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if "invalid" in str(photo):  # stands for a URL Telegram cannot fetch
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption = self._visible(
            params.get("caption") or "", params, 1024, "message caption is too long"
        )
        extra: dict[str, Any] = {
            "photo": [
                {
                    "file_id": f"photo-{photo}"[:60],
                    "file_unique_id": "u",
                    "width": 640,
                    "height": 480,
                }
            ]
        }
        if caption:
            extra["caption"] = caption
        return self._store(chat, reply_markup=params.get("reply_markup"), **extra)

    def _m_sendPoll(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._writable(params)
        options = [o["text"] if isinstance(o, dict) else o for o in params["options"]]
        question = params["question"]
        if not 2 <= len(options) <= 12 or any(not 1 <= units(o) <= 100 for o in options):
            raise ApiError(400, "Bad Request: POLL_OPTION_INVALID")
        if not 1 <= units(question) <= 300:
            raise ApiError(400, "Bad Request: POLL_QUESTION_INVALID")
        poll = {
            "id": f"poll{next(self._poll_ids)}",
            "question": question,
            "options": [
                {"text": o, "voter_count": 0, "persistent_id": f"opt{i}"}
                for i, o in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": params.get("is_anonymous") in (True, "true", "True"),
            "type": "regular",
            "allows_revoting": True,
            "members_only": False,
            "allows_multiple_answers": params.get("allows_multiple_answers")
            in (True, "true", "True"),
        }
        return self._store(chat, poll=poll)

    def _m_sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._writable(params)
        media = params.get("media") or []
        if not 2 <= len(media) <= 10 or any(m.get("type") != "photo" for m in media):
            raise ApiError(400, "Bad Request: MEDIA_GROUP_INVALID")
        uploaded = {name for name, _ in params.get("_uploads", [])}
        for m in media:  # an uploaded file is named as "attach://<form field>"
            if str(m["media"]).startswith("attach://") and m["media"][9:] not in uploaded:
                raise ApiError(400, "Bad Request: wrong file identifier specified")
        return [
            self._store(
                chat,
                photo=[
                    {
                        "file_id": f"photo-{m['media']}"[:60],
                        "file_unique_id": "u",
                        "width": 640,
                        "height": 480,
                    }
                ],
                caption=m.get("caption"),
            )
            for m in media
        ]

    def _m_pinChatMessage(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        message = self._message(chat, params)
        if chat.type != "private" and BOT["id"] not in chat.admins:
            raise ApiError(
                400, "Bad Request: not enough rights to manage pinned messages in the chat"
            )
        message["pinned"] = True
        return True

    def _m_unpinChatMessage(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        self._message(chat, params)["pinned"] = False
        return True

    def _m_stopPoll(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self.messages.get((chat.id, int(params["message_id"])))
        if message is None or "poll" not in message:
            raise ApiError(400, "Bad Request: message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise ApiError(400, "Bad Request: poll has already been closed")
        message["poll"]["is_closed"] = True
        return dict(message["poll"])

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self._message(chat, params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = self._visible(params.get("text") or "", params, 4096, "message is too long")
        if text == message["text"] and params.get("reply_markup") == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"], message["reply_markup"] = text, params.get("reply_markup")
        message["edit_date"] = int(time.time())
        return message

    def _m_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self._message(chat, params)
        caption = self._visible(
            params.get("caption") or "", params, 1024, "message caption is too long"
        )
        message["caption"], message["reply_markup"] = caption, params.get("reply_markup")
        message["edit_date"] = int(time.time())
        return message

    # --- validation helpers -----------------------------------------------------------

    def _chat(self, params: dict[str, Any]) -> FakeChat:
        try:
            return self.chats[int(params["chat_id"])]
        except (KeyError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None

    def _writable(self, params: dict[str, Any]) -> FakeChat:
        chat = self._chat(params)
        if chat.type == "private" and not chat.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        self._check_keyboard(params.get("reply_markup"))
        return chat

    def _message(self, chat: FakeChat, params: dict[str, Any]) -> dict[str, Any]:
        found = self.messages.get((chat.id, int(params["message_id"])))
        if found is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        self._check_keyboard(params.get("reply_markup"))
        return found

    def _check_keyboard(self, markup: Any) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _visible(self, text: str, params: dict[str, Any], limit: int, too_long: str) -> str:
        visible = parse_html(text) if params.get("parse_mode") == "HTML" else text
        if units(visible) > limit:
            raise ApiError(400, f"Bad Request: {too_long}")
        return visible

    def _store(self, chat: FakeChat, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "from": BOT,
            **{k: v for k, v in content.items() if v is not None},
        }
        self.messages[(chat.id, message["message_id"])] = message
        return message


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    uploads: list[tuple[str, bytes]] = []
    for key, value in form.items():
        if not isinstance(value, str):
            params[key] = f"<upload:{getattr(value, 'filename', 'file')}>"
            uploads.append(
                (key, value.file.read() if isinstance(value, FileField) else bytes(value))
            )
            continue
        if key in JSON_PARAMS:
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    if uploads:
        params["_uploads"] = uploads
    return params


def _entities(text: str) -> list[dict[str, Any]]:
    entities = []
    for match in re.finditer(r"(?<!\S)(/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?|@[A-Za-z0-9_]{5,})", text):
        kind = "bot_command" if match.group(0).startswith("/") else "mention"
        if kind == "bot_command" and match.start() != 0:
            continue
        entities.append(
            {"type": kind, "offset": units(text[: match.start()]), "length": units(match.group(0))}
        )
    return entities
