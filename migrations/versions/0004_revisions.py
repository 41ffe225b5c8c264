"""article revisions: every explicit save and publish keeps one

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 06:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('article_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('editing_session', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('cover_id', sa.Integer(), nullable=True),
    sa.Column('body_format', sa.String(length=8), nullable=False),
    sa.Column('body_data', sa.LargeBinary(), nullable=False),
    sa.Column('words_added', sa.Integer(), nullable=False),
    sa.Column('words_removed', sa.Integer(), nullable=False),
    sa.CheckConstraint("body_format in ('full', 'delta')", name=op.f('ck_article_revisions_body_format')),
    sa.CheckConstraint("kind in ('save', 'publish', 'autosave', 'restore')", name=op.f('ck_article_revisions_kind')),
    sa.CheckConstraint('number > 0', name=op.f('ck_article_revisions_number_positive')),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_revisions_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cover_id'], ['media.id'], name=op.f('fk_article_revisions_cover_id_media'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_revisions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_revisions')),
    sa.UniqueConstraint('article_id', 'number', name='uq_article_revisions_article_id_number')
    )
    op.create_index(op.f('ix_article_revisions_cover_id'), 'article_revisions', ['cover_id'], unique=False)
    op.create_index(op.f('ix_article_revisions_user_id'), 'article_revisions', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_article_revisions_user_id'), table_name='article_revisions')
    op.drop_index(op.f('ix_article_revisions_cover_id'), table_name='article_revisions')
    op.drop_table('article_revisions')
