"""screening lists: the parties a `csl` source lists, with their notices and registry entities

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "listedparty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("key", string(), nullable=False),
        sa.Column("list_code", string(), nullable=False),
        sa.Column("list_name", string(), nullable=False),
        sa.Column("name", string(), nullable=False),
        sa.Column("alt_names", sa.JSON(), nullable=False),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("country", string(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("federal_register_notice", string(), nullable=True),
        sa.Column("citation", string(), nullable=True),
        sa.Column("citation_url", string(), nullable=True),
        sa.Column("license_requirement", string(), nullable=True),
        sa.Column("license_policy", string(), nullable=True),
        sa.Column("entity_slug", string(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("removal_event_id", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "key", name="uq_listedparty_source_key"),
    )
    for column in ("source_id", "list_code", "country", "start_date", "entity_slug"):
        op.create_index(op.f(f"ix_listedparty_{column}"), "listedparty", [column], unique=False)


def downgrade() -> None:
    for column in ("source_id", "list_code", "country", "start_date", "entity_slug"):
        op.drop_index(op.f(f"ix_listedparty_{column}"), table_name="listedparty")
    op.drop_table("listedparty")
