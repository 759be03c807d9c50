"""availability snapshots: entries, warnings, the page's date, last seen and origin

Revision ID: 0006
Revises: 0005

The first schema had a `snapshot` table that nothing wrote; it is made again with the
columns the availability pages need.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index(op.f("ix_snapshot_source_id"), table_name="snapshot")
    op.drop_table("snapshot")
    op.create_table(
        "snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("extracted", sa.JSON(), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("parse_status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("page_updated", sa.Date(), nullable=True),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_snapshot_source_id"), "snapshot", ["source_id"], unique=False)
    op.create_index("ix_snapshot_source_seen", "snapshot", ["source_id", "fetched_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_snapshot_source_seen", table_name="snapshot")
    op.drop_index(op.f("ix_snapshot_source_id"), table_name="snapshot")
    op.drop_table("snapshot")
    op.create_table(
        "snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("extracted", sa.JSON(), nullable=False),
        sa.Column("parse_status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_snapshot_source_id"), "snapshot", ["source_id"], unique=False)
