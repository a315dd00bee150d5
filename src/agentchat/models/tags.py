"""Tags and tag groups: labels on chats and customers."""

from __future__ import annotations

import attrs

from ._base import Model

__all__ = ["Tag", "TagGroup"]


@attrs.frozen(kw_only=True)
class Tag(Model):
    """A tag, as CreateTag may return it."""

    tag_id: int
    tag_group_id: int | None = None
    name: str | None = None
    enabled: bool | None = None


@attrs.frozen(kw_only=True)
class TagGroup(Model):
    """A group of tags, as CreateTagGroup may return it."""

    tag_group_id: int
    name: str | None = None
    enabled: bool | None = None
    tags: tuple[Tag, ...] = ()
