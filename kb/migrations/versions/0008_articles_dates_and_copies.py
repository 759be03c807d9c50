"""articles: where a document's date came from, its article page's state, and earlier
versions; copies of a story seen again elsewhere

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    op.add_column("document", sa.Column("date_source", string(), nullable=True))
    op.add_column("document", sa.Column("article_status", string(), nullable=True))
    op.add_column("document", sa.Column("article_error", string(), nullable=True))
    op.add_column("document", sa.Column("article_attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("document", sa.Column("previous_hashes", sa.JSON(), nullable=False, server_default="[]"))
    # Documents stored before this revision that had a date had it from their feed or API.
    op.execute("UPDATE document SET date_source = 'feed' WHERE published_at IS NOT NULL")
    op.create_table(
        "documentcopy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("key", string(), nullable=False),
        sa.Column("url", string(), nullable=True),
        sa.Column("title", string(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "key", name="uq_documentcopy_source_key"),
    )
    op.create_index(op.f("ix_documentcopy_document_id"), "documentcopy", ["document_id"], unique=False)
    op.create_index(op.f("ix_documentcopy_source_id"), "documentcopy", ["source_id"], unique=False)
    op.create_table(
        "storyband",
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band", "value", "document_id"),
    )


def downgrade() -> None:
    op.drop_table("storyband")
    op.drop_index(op.f("ix_documentcopy_source_id"), table_name="documentcopy")
    op.drop_index(op.f("ix_documentcopy_document_id"), table_name="documentcopy")
    op.drop_table("documentcopy")
    with op.batch_alter_table("document") as batch:
        for name in (
            "previous_hashes",
            "simhash",
            "article_attempts",
            "article_error",
            "article_status",
            "date_source",
        ):
            batch.drop_column(name)
