"""Stored chats as the neutral model names them."""

from __future__ import annotations

from handlers.model import ChatKind, ChatRef
from storage.models import Chat


def chat_ref(chat: Chat) -> ChatRef:
    return ChatRef(chat.platform, chat.platform_chat_id, ChatKind(chat.kind), title=chat.title)
