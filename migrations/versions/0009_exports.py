"""exports: archives being built and their expiring download links

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('storage_key', sa.String(length=120), nullable=True),
    sa.Column('bytes', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind in ('user', 'site')", name=op.f('ck_exports_kind')),
    sa.CheckConstraint("status in ('pending', 'running', 'ready', 'failed')", name=op.f('ck_exports_status')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_exports_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exports'))
    )
    op.create_index('ix_exports_owner_id_created_at', 'exports', ['owner_id', 'created_at'], unique=False)
    op.create_index('ix_exports_expires_at', 'exports', ['expires_at'], unique=False)


def downgrade():
    op.drop_index('ix_exports_expires_at', table_name='exports')
    op.drop_index('ix_exports_owner_id_created_at', table_name='exports')
    op.drop_table('exports')
