"""Tags and tag groups: labels on chats and customers."""

from __future__ import annotations

import attrs

from ._base import Model

__all__ = ["Tag", "TagGroup"]


@attrs.frozen(kw_only=True)
class Tag(Model):
    """A tag, as CreateTag may return it (or a ``TagGroup`` lists it).

    Attributes:
        tag_id: Its ID (``TagID``), the one ``add_tag()``, ``remove_tag()``,
            ``update_tag()`` and ``delete_tag()`` take.
        tag_group_id: The group it belongs to (``TagGroupID``).
        name: Its name.
        enabled: Whether the tag is enabled.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    tag_id: int
    tag_group_id: int | None = None
    name: str | None = None
    enabled: bool | None = None


@attrs.frozen(kw_only=True)
class TagGroup(Model):
    """A group of tags, as CreateTagGroup may return it.

    Attributes:
        tag_group_id: Its ID (``TagGroupID``), the one ``create_tag()`` and
            ``update_tag_group()`` take.
        name: Its name.
        enabled: Whether the group is enabled.
        tags: The tags in the group (none yet for a new group).
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    tag_group_id: int
    name: str | None = None
    enabled: bool | None = None
    tags: tuple[Tag, ...] = ()
