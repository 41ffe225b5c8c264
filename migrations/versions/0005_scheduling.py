"""scheduled publishing, writers' time zones, draft share links

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 06:25:00

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
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
    # Nullable columns without a foreign key: a plain ALTER TABLE ADD COLUMN on SQLite,
    # so the articles table (and its full-text triggers) is not copied.
    op.add_column('articles', sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_articles_publish_at'), 'articles', ['publish_at'], unique=False)
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))
    op.create_table('draft_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_draft_links_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_draft_links_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_draft_links_token_hash'))
    )
    op.create_index(op.f('ix_draft_links_article_id'), 'draft_links', ['article_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_draft_links_article_id'), table_name='draft_links')
    op.drop_table('draft_links')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('time_zone')
    op.drop_index(op.f('ix_articles_publish_at'), table_name='articles')
    with _keeping_triggers("articles"), op.batch_alter_table("articles") as batch_op:
        batch_op.drop_column('publish_at')
