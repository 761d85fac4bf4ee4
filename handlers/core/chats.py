"""Stored chats as the neutral model names them."""

from __future__ import annotations

from handlers.core.model import ChatKind, ChatRef
from storage.identity import ChatRecord


def chat_ref(chat: ChatRecord) -> ChatRef:
    return ChatRef(chat.platform, chat.platform_chat_id, ChatKind(chat.kind), title=chat.title)
