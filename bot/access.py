"""Who may use the bot, and who administers it."""
from __future__ import annotations

from dataclasses import dataclass

from index.settings import Settings


@dataclass(frozen=True)
class AccessPolicy:
    allowed_users: frozenset[int]
    allowed_chats: frozenset[int]
    admins: frozenset[int]

    @classmethod
    def from_settings(cls, settings: Settings) -> "AccessPolicy":
        return cls(settings.allowed_user_ids, settings.allowed_chat_ids, settings.admin_user_ids)

    @property
    def open_to_everyone(self) -> bool:
        """No allow-list configured: anyone may ask (the corpus is published news)."""
        return not self.allowed_users and not self.allowed_chats

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins

    def allows(self, user_id: int | None, chat_id: int | None) -> bool:
        if self.is_admin(user_id) or self.open_to_everyone:
            return True
        return (user_id is not None and user_id in self.allowed_users) or \
            (chat_id is not None and chat_id in self.allowed_chats)
