"""Every mapped class, from the areas that own them: importing this package registers
every table (Alembic's autogenerate and the tests' schema checks need them all)."""

from __future__ import annotations

from folio.accounts.models import Role, User, username_key
from folio.articles.models import Article, DraftLink, Favorite, Status, Tag, article_tags
from folio.articles.pending_edits import PendingEdit
from folio.articles.revision_models import ArticleRevision, RevisionKind
from folio.auth.models import RevokedToken
from folio.comments.models import Comment
from folio.core.models import Base, now_utc
from folio.federation.models import (
    ActorKey,
    Delivery,
    DomainBlock,
    ReceivedActivity,
    RemoteActor,
    RemoteComment,
    RemoteFollower,
    RemoteFollowing,
    RemotePost,
    RemoteReaction,
    Tombstone,
)
from folio.media.models import Media, MediaKind, article_media
from folio.social.models import Follow

__all__ = [
    "ActorKey",
    "Article",
    "ArticleRevision",
    "Base",
    "Comment",
    "Delivery",
    "DomainBlock",
    "DraftLink",
    "Favorite",
    "Follow",
    "Media",
    "MediaKind",
    "PendingEdit",
    "ReceivedActivity",
    "RemoteActor",
    "RemoteComment",
    "RemoteFollower",
    "RemoteFollowing",
    "RemotePost",
    "RemoteReaction",
    "RevokedToken",
    "RevisionKind",
    "Role",
    "Status",
    "Tag",
    "Tombstone",
    "User",
    "article_media",
    "article_tags",
    "now_utc",
    "username_key",
]
