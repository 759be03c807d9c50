"""name candidates: names the registry does not know that recur in documents

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "namecandidate",
        sa.Column("name", string(), nullable=False),
        sa.Column("kind", string(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("status", string(), nullable=False),
        sa.Column("slug", string(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index(op.f("ix_namecandidate_status"), "namecandidate", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_namecandidate_status"), table_name="namecandidate")
    op.drop_table("namecandidate")
