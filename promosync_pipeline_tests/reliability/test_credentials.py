"""Credentials never leak: not into the Dagster event log, stdout/stderr, ``sync_errors``,
``sync_runs`` or run failure messages, on the success path or the error paths."""

import uuid
from collections.abc import Iterator

import dagster as dg
import pytest
import sqlalchemy as sa

from promosync_pipeline import settings
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline_tests.support.catalog import open_errors, rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_nothing_lost
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, sync

pytestmark = pytest.mark.feed(
    seed=37, suppliers=2, families=6, languages=("en",), image_size=(640, 480)
)


@pytest.fixture
def secrets() -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "db": f"PgS3cret{tag}",
        "feed": f"FeedS3cret{tag}",
        "aws": f"AwsS3cret{tag}",
    }


@pytest.fixture
def secret_pg_url(pg_admin: sa.Engine, pg_database, secrets) -> Iterator[str]:
    """A database owned by a role that logs in with a password; the URL carries it."""
    url = sa.make_url(pg_database())
    role = f"promosync_secret_{uuid.uuid4().hex[:8]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{secrets['db']}'"))
        conn.execute(sa.text(f'ALTER DATABASE "{url.database}" OWNER TO {role}'))
    yield url.set(username=role, password=secrets["db"]).render_as_string(hide_password=False)
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f"DROP ROLE IF EXISTS {role}"))


def _everything_recorded(instance, url: str) -> str:
    """Every run's events (messages, metadata, errors) and the run records, serialized; the
    catalog's sync_errors and sync_runs rows."""
    parts = []
    for run in instance.get_runs():
        parts.append(dg.serialize_value(run))
        for event in instance.all_logs(run.run_id):
            parts.append(dg.serialize_value(event))
            parts.append(event.message or "")
    parts += [repr(r) for r in rows(url, t.sync_errors)]
    parts += [repr(r) for r in rows(url, t.sync_runs)]
    return "\n".join(parts)


@pytest.mark.postgres
def test_passwords_and_keys_never_appear_in_logs_metadata_or_errors(
    instance, monkeypatch, feed, secret_pg_url, secrets, capfd, s3_bucket: str
):
    """A sync with a PostgreSQL password in ``PROMOSYNC_DATABASE_URL``, ``user:password@`` in
    the feed URL and ``AWS_SECRET_ACCESS_KEY`` signing every request to the S3 image store
    (moto on loopback), where families fail (a 404, a file on a host that is not allowed, a
    parse error), a supplier run fails (a vanished supplier refused) and the image step fails
    (the S3 endpoint unreachable): none of the three secrets appears in the event log
    (messages, metadata, errors), the run records, stdout/stderr, ``sync_errors`` or
    ``sync_runs``."""
    g = feed.generator
    base = feed.base_url.replace("http://", f"http://promidata:{secrets['feed']}@")
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, base)
    monkeypatch.setenv(settings.DATABASE_URL, secret_pg_url)
    monkeypatch.setenv(settings.IMAGE_STORE, f"s3://{s3_bucket}/shop")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAPROMOSYNCTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secrets["aws"])
    skus = g.all_skus()
    feed.set_faults([parse_fault(f"404:sku={skus[0]}"), parse_fault(f"truncate:sku={skus[1]}")])
    g.point_to_host([skus[2]], f"http://127.0.0.2:{feed.port}", what="product")

    runs = sync(instance, promidata=TEST_CLIENT, parse={"max_failure_share": 0.9})
    assert runs.refresh.success, runs.refresh.error()
    errors = open_errors(secret_pg_url)
    assert {skus[0], skus[1], skus[2]} <= set(errors)
    assert_nothing_lost(secret_pg_url, g)

    stored = [r for r in rows(secret_pg_url, t.product_images) if r["status"] == "stored"]
    assert stored, "images went to the S3 store, signed with the secret key"

    kept, gone = g.supplier_codes()
    g.change_families(2, code=kept)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    store_down = sync(instance, [kept], promidata=TEST_CLIENT)[kept]
    assert not store_down.success and "image store failed" in store_down.error()

    g.remove_supplier(gone)
    refused = sync(instance, [gone], promidata=TEST_CLIENT, images=False)[gone]
    assert not refused.success and "allow_supplier_removal" in refused.error()

    recorded = _everything_recorded(instance, secret_pg_url)
    captured = capfd.readouterr()
    assert skus[0] in recorded and "HTTP 404" in recorded  # the error paths were recorded
    for name, secret in secrets.items():
        assert secret not in recorded, f"{name} secret in the event log or the catalog"
        assert secret not in captured.out and secret not in captured.err, f"{name} printed"


def test_feed_password_stays_out_of_the_index_refusal(
    instance, monkeypatch, feed, sqlite_url, secrets, capfd
):
    """The feed URL carries ``user:password@`` and the index is empty: the step's failure
    message names the index without the password (nor is it printed)."""
    base = feed.base_url.replace("http://", f"http://promidata:{secrets['feed']}@")
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, base)
    monkeypatch.setenv(settings.DATABASE_URL, sqlite_url)
    feed.generator.replace_index(b"")
    runs = sync(instance, promidata=TEST_CLIENT, images=False, refresh_may_fail=True)
    assert not runs.refresh.success and "lists no product file" in runs.refresh.error()
    recorded = _everything_recorded(instance, sqlite_url)
    captured = capfd.readouterr()
    assert secrets["feed"] not in recorded
    assert secrets["feed"] not in captured.out + captured.err
