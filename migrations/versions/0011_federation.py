"""federation: actor keys, remote actors, followers, deliveries, remote interactions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('federation_domain_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_domain_blocks')),
    sa.UniqueConstraint('domain', name=op.f('uq_federation_domain_blocks_domain'))
    )
    op.create_table('federation_received',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.String(length=500), nullable=False),
    sa.Column('actor_uri', sa.String(length=500), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_received')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_federation_received_activity_id'))
    )
    op.create_table('federation_remote_actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=500), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('inbox', sa.String(length=500), nullable=False),
    sa.Column('shared_inbox', sa.String(length=500), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('icon_url', sa.String(length=500), nullable=True),
    sa.Column('key_id', sa.String(length=500), nullable=True),
    sa.Column('public_key_pem', sa.Text(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_remote_actors')),
    sa.UniqueConstraint('uri', name=op.f('uq_federation_remote_actors_uri'))
    )
    op.create_index(op.f('ix_federation_remote_actors_domain'), 'federation_remote_actors', ['domain'], unique=False)
    op.create_index(op.f('ix_federation_remote_actors_key_id'), 'federation_remote_actors', ['key_id'], unique=False)
    op.create_table('federation_tombstones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_uri', sa.String(length=500), nullable=False),
    sa.Column('former_type', sa.String(length=40), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_tombstones')),
    sa.UniqueConstraint('object_uri', name=op.f('uq_federation_tombstones_object_uri'))
    )
    op.create_table('federation_actor_keys',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('public_pem', sa.Text(), nullable=False),
    sa.Column('private_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_federation_actor_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_federation_actor_keys'))
    )
    op.create_table('federation_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.String(length=500), nullable=False),
    sa.Column('activity_type', sa.String(length=40), nullable=False),
    sa.Column('inbox', sa.String(length=500), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_federation_deliveries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_deliveries')),
    sa.UniqueConstraint('activity_id', 'inbox', name='activity_inbox')
    )
    op.create_index('ix_federation_deliveries_host_updated_at', 'federation_deliveries', ['host', 'updated_at'], unique=False)
    op.create_index('ix_federation_deliveries_state_next_attempt_at', 'federation_deliveries', ['state', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_federation_deliveries_user_id'), 'federation_deliveries', ['user_id'], unique=False)
    op.create_table('federation_followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('remote_actor_id', sa.Integer(), nullable=False),
    sa.Column('follow_activity', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['remote_actor_id'], ['federation_remote_actors.id'], name=op.f('fk_federation_followers_remote_actor_id_federation_remote_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_federation_followers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_followers')),
    sa.UniqueConstraint('user_id', 'remote_actor_id', name='follower')
    )
    op.create_index(op.f('ix_federation_followers_remote_actor_id'), 'federation_followers', ['remote_actor_id'], unique=False)
    op.create_table('federation_following',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('remote_actor_id', sa.Integer(), nullable=False),
    sa.Column('follow_activity', sa.String(length=500), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['remote_actor_id'], ['federation_remote_actors.id'], name=op.f('fk_federation_following_remote_actor_id_federation_remote_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_federation_following_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_following')),
    sa.UniqueConstraint('follow_activity', name=op.f('uq_federation_following_follow_activity')),
    sa.UniqueConstraint('user_id', 'remote_actor_id', name='following')
    )
    op.create_index(op.f('ix_federation_following_remote_actor_id'), 'federation_following', ['remote_actor_id'], unique=False)
    op.create_table('federation_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remote_actor_id', sa.Integer(), nullable=False),
    sa.Column('object_id', sa.String(length=500), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('content_html', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['remote_actor_id'], ['federation_remote_actors.id'], name=op.f('fk_federation_posts_remote_actor_id_federation_remote_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_posts')),
    sa.UniqueConstraint('object_id', name=op.f('uq_federation_posts_object_id'))
    )
    op.create_index('ix_federation_posts_remote_actor_id_published_at', 'federation_posts', ['remote_actor_id', 'published_at'], unique=False)
    op.create_table('federation_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('remote_actor_id', sa.Integer(), nullable=False),
    sa.Column('object_id', sa.String(length=500), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('content_html', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_federation_comments_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['remote_actor_id'], ['federation_remote_actors.id'], name=op.f('fk_federation_comments_remote_actor_id_federation_remote_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_comments')),
    sa.UniqueConstraint('object_id', name=op.f('uq_federation_comments_object_id'))
    )
    op.create_index(op.f('ix_federation_comments_article_id'), 'federation_comments', ['article_id'], unique=False)
    op.create_index(op.f('ix_federation_comments_remote_actor_id'), 'federation_comments', ['remote_actor_id'], unique=False)
    op.create_table('federation_reactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('remote_actor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('activity_id', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_federation_reactions_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['remote_actor_id'], ['federation_remote_actors.id'], name=op.f('fk_federation_reactions_remote_actor_id_federation_remote_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_reactions')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_federation_reactions_activity_id')),
    sa.UniqueConstraint('article_id', 'remote_actor_id', 'kind', name='reaction')
    )
    op.create_index(op.f('ix_federation_reactions_article_id'), 'federation_reactions', ['article_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_federation_reactions_article_id'), table_name='federation_reactions')
    op.drop_table('federation_reactions')
    op.drop_index(op.f('ix_federation_comments_remote_actor_id'), table_name='federation_comments')
    op.drop_index(op.f('ix_federation_comments_article_id'), table_name='federation_comments')
    op.drop_table('federation_comments')
    op.drop_index('ix_federation_posts_remote_actor_id_published_at', table_name='federation_posts')
    op.drop_table('federation_posts')
    op.drop_index(op.f('ix_federation_following_remote_actor_id'), table_name='federation_following')
    op.drop_table('federation_following')
    op.drop_index(op.f('ix_federation_followers_remote_actor_id'), table_name='federation_followers')
    op.drop_table('federation_followers')
    op.drop_index(op.f('ix_federation_deliveries_user_id'), table_name='federation_deliveries')
    op.drop_index('ix_federation_deliveries_state_next_attempt_at', table_name='federation_deliveries')
    op.drop_index('ix_federation_deliveries_host_updated_at', table_name='federation_deliveries')
    op.drop_table('federation_deliveries')
    op.drop_table('federation_actor_keys')
    op.drop_table('federation_tombstones')
    op.drop_index(op.f('ix_federation_remote_actors_key_id'), table_name='federation_remote_actors')
    op.drop_index(op.f('ix_federation_remote_actors_domain'), table_name='federation_remote_actors')
    op.drop_table('federation_remote_actors')
    op.drop_table('federation_received')
    op.drop_table('federation_domain_blocks')
