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
from folio.media.models import Media, MediaKind, article_media
from folio.newsletter.models import Send, Subscriber
from folio.social.models import Follow

__all__ = [
    "Article",
    "ArticleRevision",
    "Base",
    "Comment",
    "DraftLink",
    "Favorite",
    "Follow",
    "Media",
    "MediaKind",
    "PendingEdit",
    "RevokedToken",
    "RevisionKind",
    "Role",
    "Send",
    "Status",
    "Subscriber",
    "Tag",
    "User",
    "article_media",
    "article_tags",
    "now_utc",
    "username_key",
]
