"""What a quote is built from: order terms (``price_terms``), decoration (``imprint_positions``,
``imprint_options``, ``imprint_charges``, ``imprint_prices``), logistics columns and
``attributes`` on variants, ``attributes`` on products, print-area pictures in
``product_images`` (role ``imprint``, ``position_code``) and image file names.

Existing rows get empty attributes; ``promosync sync --all --from-archive`` fills everything
from the raw archive without downloading (the parser version changed, so every family is
rewritten).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MONEY = sa.Numeric(12, 4)
EMPTY = sa.text("'{}'")
OLD_ROLE_CHECK = "ck_product_images_ck_product_images_role"
VARIANT_COLUMNS = (
    ("country_of_origin", sa.Text()),
    ("customs_tariff_number", sa.Text()),
    ("carton_length_cm", sa.Float()),
    ("carton_width_cm", sa.Float()),
    ("carton_height_cm", sa.Float()),
    ("carton_weight_net_kg", sa.Float()),
    ("carton_weight_gross_kg", sa.Float()),
    ("carton_quantity", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("attributes", JSON, nullable=False, server_default=EMPTY))
    with op.batch_alter_table("product_variants") as batch:
        for name, type_ in VARIANT_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(sa.Column("attributes", JSON, nullable=False, server_default=EMPTY))
    with op.batch_alter_table("product_images") as batch:
        batch.add_column(sa.Column("position_code", sa.Text(), nullable=True))
        batch.add_column(sa.Column("file_name", sa.Text(), nullable=True))
        # 0001 named it before the naming convention applied, which prefixed it once more
        batch.drop_constraint(op.f(OLD_ROLE_CHECK), type_="check")
        batch.create_check_constraint("role", "role IN ('main', 'gallery', 'imprint')")
    _price_terms()
    _decoration()


def _price_terms() -> None:
    op.create_table(
        "price_terms",
        sa.Column("variant_sku", sa.String(255), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("min_order_quantity", sa.Integer(), nullable=True),
        sa.Column("quantity_increment", sa.Integer(), nullable=True),
        sa.Column("vat_percentage", sa.Numeric(7, 4), nullable=True),
        sa.Column("vat_setting_id", sa.Text(), nullable=True),
        sa.Column("product_sku", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("variant_sku", "region", name="pk_price_terms"),
    )
    op.create_index("ix_price_terms_product_sku", "price_terms", ["product_sku"])


def _decoration() -> None:
    op.create_table(
        "imprint_positions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("product_sku", sa.String(255), nullable=False),
        sa.Column("variant_sku", sa.String(255), nullable=True),
        sa.Column("position_code", sa.Text(), nullable=True),
        sa.Column("supplier_position_code", sa.Text(), nullable=True),
        *_texts(),
        sa.Column("max_print_area", sa.Text(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("attributes", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_imprint_positions"),
    )
    op.create_table(
        "imprint_options",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position_id", sa.BigInteger(), nullable=False),
        sa.Column("option_sku", sa.Text(), nullable=True),
        sa.Column("supplier_sku", sa.Text(), nullable=True),
        sa.Column("supplier_print_code", sa.Text(), nullable=True),
        *_texts(),
        sa.Column("colors", sa.Text(), nullable=True),
        *(
            sa.Column(f"{d}_mm", sa.Float(), nullable=True)
            for d in ("width", "height", "depth", "diameter")
        ),
        sa.Column("order_terms", JSON, nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("product_sku", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_imprint_options"),
    )
    op.create_table(
        "imprint_charges",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("option_id", sa.BigInteger(), nullable=False),
        sa.Column("charge_sku", sa.Text(), nullable=True),
        sa.Column("supplier_sku", sa.Text(), nullable=True),
        *_texts(),
        sa.Column("calculation_type", sa.Text(), nullable=True),
        sa.Column("calculation_amount", MONEY, nullable=True),
        sa.Column("requirement", JSON, nullable=True),
        sa.Column("order_terms", JSON, nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("product_sku", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_imprint_charges"),
    )
    op.create_table(
        "imprint_prices",
        sa.Column("owner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.BigInteger(), nullable=False),
        sa.Column("charge_id", sa.BigInteger(), nullable=True),
        sa.Column("price", MONEY, nullable=True),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("on_request", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("product_sku", sa.String(255), nullable=False),
        sa.CheckConstraint("kind IN ('selling', 'buying')", name="ck_imprint_prices_kind"),
        sa.PrimaryKeyConstraint(
            "owner_id", "region", "kind", "min_quantity", name="pk_imprint_prices"
        ),
    )
    for table, column in (
        ("imprint_positions", "product_sku"),
        ("imprint_options", "position_id"),
        ("imprint_options", "product_sku"),
        ("imprint_charges", "option_id"),
        ("imprint_charges", "product_sku"),
        ("imprint_prices", "option_id"),
        ("imprint_prices", "product_sku"),
    ):
        op.create_index(f"ix_{table}_{column}", table, [column])


def _texts() -> tuple[sa.Column, sa.Column]:
    """``{language: text}`` name and description columns (a fresh pair per table)."""
    return sa.Column("name", JSON, nullable=False), sa.Column("description", JSON, nullable=False)


def downgrade() -> None:
    for table in ("imprint_prices", "imprint_charges", "imprint_options", "imprint_positions"):
        op.drop_table(table)
    op.drop_table("price_terms")
    # the pictures of print areas (and their renditions) have no role before this revision
    op.execute("DELETE FROM product_images WHERE role = 'imprint'")
    with op.batch_alter_table("product_images") as batch:
        batch.drop_constraint(op.f("ck_product_images_role"), type_="check")
        batch.create_check_constraint(op.f(OLD_ROLE_CHECK), "role IN ('main', 'gallery')")
        batch.drop_column("file_name")
        batch.drop_column("position_code")
    with op.batch_alter_table("product_variants") as batch:
        batch.drop_column("attributes")
        for name, _ in reversed(VARIANT_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("products") as batch:
        batch.drop_column("attributes")
