"""media: uploads, their use in articles, covers and avatars

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 18:02:36.933017

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


@contextmanager
def _keeping_triggers(table):
    """SQLite's batch mode copies the table and loses its triggers (0001's full-text
    index): put them back as they were."""
    bind = op.get_bind()
    saved = []
    if bind.dialect.name == "sqlite":
        saved = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        ).scalars().all()
    yield
    for statement in saved:
        op.execute(statement)


def upgrade():
    op.create_table('media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('frames', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('variants', sa.JSON(), nullable=False),
    sa.Column('ready', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("format in ('jpeg', 'png', 'webp', 'gif')", name=op.f('ck_media_format')),
    sa.CheckConstraint("kind in ('image', 'avatar')", name=op.f('ck_media_kind')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_media_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media')),
    sa.UniqueConstraint('owner_id', 'kind', 'content_hash', name='uq_media_owner_kind_hash')
    )
    op.create_index('ix_media_content_hash', 'media', ['content_hash'], unique=False)
    op.create_index('ix_media_owner_id_created_at', 'media', ['owner_id', 'created_at'], unique=False)

    op.create_table('article_media',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_media_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['media_id'], ['media.id'], name=op.f('fk_article_media_media_id_media'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'media_id', name=op.f('pk_article_media'))
    )
    op.create_index('ix_article_media_media_id', 'article_media', ['media_id'], unique=False)

    with _keeping_triggers("articles"), op.batch_alter_table("articles") as batch_op:
        batch_op.add_column(sa.Column('cover_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_articles_cover_id_media'), 'media', ['cover_id'], ['id'],
            ondelete='SET NULL',
        )
    op.create_index(op.f('ix_articles_cover_id'), 'articles', ['cover_id'], unique=False)

    op.add_column('users', sa.Column('avatar_key', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('avatar_key')
    op.drop_index(op.f('ix_articles_cover_id'), table_name='articles')
    with _keeping_triggers("articles"), op.batch_alter_table("articles") as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_articles_cover_id_media'), type_='foreignkey')
        batch_op.drop_column('cover_id')
    op.drop_index('ix_article_media_media_id', table_name='article_media')
    op.drop_table('article_media')
    op.drop_index('ix_media_owner_id_created_at', table_name='media')
    op.drop_index('ix_media_content_hash', table_name='media')
    op.drop_table('media')
