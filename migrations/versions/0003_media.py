"""media: uploads, their use in articles, covers and avatars

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 18:02:36.933017

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


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
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.create_index('ix_media_content_hash', ['content_hash'], unique=False)
        batch_op.create_index('ix_media_owner_id_created_at', ['owner_id', 'created_at'], unique=False)

    op.create_table('article_media',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_media_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['media_id'], ['media.id'], name=op.f('fk_article_media_media_id_media'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'media_id', name=op.f('pk_article_media'))
    )
    with op.batch_alter_table('article_media', schema=None) as batch_op:
        batch_op.create_index('ix_article_media_media_id', ['media_id'], unique=False)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('cover_width', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cover_height', sa.Integer(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('avatar_key', sa.String(length=120), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('avatar_key')

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('cover_height')
        batch_op.drop_column('cover_width')
        batch_op.drop_column('cover_key')

    with op.batch_alter_table('article_media', schema=None) as batch_op:
        batch_op.drop_index('ix_article_media_media_id')

    op.drop_table('article_media')
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.drop_index('ix_media_owner_id_created_at')
        batch_op.drop_index('ix_media_content_hash')

    op.drop_table('media')
