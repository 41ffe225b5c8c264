"""pending edits: autosaved changes to a published article

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('article_pending_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('cover_id', sa.Integer(), nullable=True),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('editing_session', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_pending_edits_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cover_id'], ['media.id'], name=op.f('fk_article_pending_edits_cover_id_media'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_pending_edits_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_pending_edits')),
    sa.UniqueConstraint('article_id', name=op.f('uq_article_pending_edits_article_id'))
    )
    op.create_index(op.f('ix_article_pending_edits_cover_id'), 'article_pending_edits', ['cover_id'], unique=False)
    op.create_index(op.f('ix_article_pending_edits_user_id'), 'article_pending_edits', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_article_pending_edits_user_id'), table_name='article_pending_edits')
    op.drop_index(op.f('ix_article_pending_edits_cover_id'), table_name='article_pending_edits')
    op.drop_table('article_pending_edits')
