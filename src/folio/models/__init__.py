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
from folio.exports.models import Export
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
from folio.imports.models import ImportedItem, ImportRun, LegacyRedirect
from folio.media.models import Media, MediaKind, article_media
from folio.newsletter.models import Send, Subscriber
from folio.social.models import Follow
from folio.stats.models import ArticleDay, ReferrerDay, StatsSalt, StatsVisitor
from folio.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ActorKey",
    "Article",
    "ArticleDay",
    "ArticleRevision",
    "Base",
    "Comment",
    "Export",
    "Delivery",
    "DomainBlock",
    "DraftLink",
    "Favorite",
    "Follow",
    "ImportRun",
    "ImportedItem",
    "LegacyRedirect",
    "Media",
    "MediaKind",
    "PendingEdit",
    "ReferrerDay",
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
    "StatsSalt",
    "StatsVisitor",
    "Send",
    "Status",
    "Subscriber",
    "Tag",
    "Tombstone",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "article_media",
    "article_tags",
    "now_utc",
    "username_key",
]
