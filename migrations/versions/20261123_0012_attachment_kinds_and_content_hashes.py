"""Attachment kinds and content hashes for uploaded files

Work-order attachments gain a kind (document, photo, signature, receipt), the SHA-256
of their content (unique per order and kind, so re-uploading the same bytes is one
file), an optional caption, the signer of a signature and the phone's device time.
Existing rows become documents without a hash (their files are stored elsewhere).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 12:43:19.596944
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('work_order_attachments', sa.Column('kind', sa.Enum('document', 'photo', 'signature', 'receipt', name='attachment_kind', native_enum=False, create_constraint=True, length=32), server_default='document', nullable=False))
    op.add_column('work_order_attachments', sa.Column('sha256', sa.String(length=64), nullable=True))
    op.add_column('work_order_attachments', sa.Column('caption', sa.String(length=500), nullable=True))
    op.add_column('work_order_attachments', sa.Column('signer_name', sa.String(length=200), nullable=True))
    op.add_column('work_order_attachments', sa.Column('device_time', sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f('ck_work_order_attachments_signature_has_signer'), 'work_order_attachments',
                               "kind <> 'signature' OR signer_name IS NOT NULL")
    op.create_unique_constraint('uq_work_order_attachments_order_kind_sha256', 'work_order_attachments', ['work_order_id', 'kind', 'sha256'])


def downgrade() -> None:
    op.drop_constraint('uq_work_order_attachments_order_kind_sha256', 'work_order_attachments', type_='unique')
    op.drop_constraint(op.f('ck_work_order_attachments_signature_has_signer'), 'work_order_attachments', type_='check')
    op.drop_column('work_order_attachments', 'device_time')
    op.drop_column('work_order_attachments', 'signer_name')
    op.drop_column('work_order_attachments', 'caption')
    op.drop_column('work_order_attachments', 'sha256')
    op.drop_column('work_order_attachments', 'kind')
