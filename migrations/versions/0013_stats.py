"""stats: daily views, referrers, rollups

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 07:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_article_days',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('visitors', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_stats_article_days_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'day', name=op.f('pk_stats_article_days'))
    )
    op.create_index('ix_stats_article_days_day', 'stats_article_days', ['day'], unique=False)

    op.create_table('stats_referrer_days',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('host', sa.String(length=253), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_stats_referrer_days_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'day', 'host', name=op.f('pk_stats_referrer_days'))
    )
    op.create_index('ix_stats_referrer_days_day', 'stats_referrer_days', ['day'], unique=False)

    op.create_table('stats_visitors',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('visitor', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('day', 'article_id', 'visitor', name=op.f('pk_stats_visitors'))
    )

    op.create_table('stats_salts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('salt', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_stats_salts'))
    )


def downgrade():
    op.drop_table('stats_salts')
    op.drop_table('stats_visitors')
    op.drop_index('ix_stats_referrer_days_day', table_name='stats_referrer_days')
    op.drop_table('stats_referrer_days')
    op.drop_index('ix_stats_article_days_day', table_name='stats_article_days')
    op.drop_table('stats_article_days')
