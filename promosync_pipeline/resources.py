"""Dagster resources: the Promidata source, the catalog database, the image store and the raw
payload archive.

The code location binds each field to its contract variable with ``dg.EnvVar``
(:func:`default_resources`). A field left at ``None`` is taken from its variable when the
resource is used, or falls back to the embedded default, so ``dg dev`` works with nothing
configured while the launchpad can still override every field.
"""

import os
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from promosync_pipeline import settings
from promosync_pipeline.alerts import AlertWebhookResource
from promosync_pipeline.archive import SupplierArchive, open_archive_store
from promosync_pipeline.catalog import Catalog, make_engine, upgrade
from promosync_pipeline.catalog.changes import DEFAULT_RETENTION_DAYS
from promosync_pipeline.catalog.leases import (
    DEFAULT_TTL_S,
    DEFAULT_WAIT_S,
    LeaseUnavailable,
    SupplierLease,
)
from promosync_pipeline.change_webhook import ChangeWebhookResource
from promosync_pipeline.http import ClientSettings, ClientStats, FetchClient, HostPolicy
from promosync_pipeline.images.stores import (
    ImageStore,
    open_image_store,
    resolved_location,
    s3_client,
)
from promosync_pipeline.io_managers import IO_BUCKET, IO_PREFIX, AssetValueIOManager


class PromidataResource(dg.ConfigurableResource):
    """The Promidata profile (``PROMIDATA_BASE_URL``) and how politely to fetch from it."""

    base_url: str | None = None
    allowed_hosts: str | None = None
    """Comma-separated extra hosts for product and image URLs (``PROMOSYNC_ALLOWED_HOSTS``)."""
    max_in_flight: int = 16
    requests_per_second: float = 1000.0
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    max_attempts: int = 5
    retry_after_cap_s: float = 60.0
    max_response_mb: float = 32.0

    def resolved_base_url(self) -> str:
        url = settings.setting(self.base_url, settings.PROMIDATA_BASE_URL)
        if not url:
            raise dg.Failure(
                f"{settings.PROMIDATA_BASE_URL} is not set: the Promidata profile URL is required"
            )
        return url.rstrip("/")

    @property
    def index_url(self) -> str:
        return settings.index_url(self.resolved_base_url())

    @property
    def categories_url(self) -> str:
        return settings.categories_url(self.resolved_base_url())

    def host_policy(self) -> HostPolicy:
        # "" set in the launchpad means no extra hosts, not "take the variable"
        extra = self.allowed_hosts
        if extra is None:
            extra = settings.env(settings.ALLOWED_HOSTS)
        return HostPolicy.for_feed(self.index_url, extra.strip())

    def client_settings(self) -> ClientSettings:
        return ClientSettings(
            max_in_flight=self.max_in_flight,
            requests_per_second=self.requests_per_second,
            connect_timeout_s=self.connect_timeout_s,
            read_timeout_s=self.read_timeout_s,
            max_attempts=self.max_attempts,
            retry_after_cap_s=self.retry_after_cap_s,
            max_response_bytes=int(self.max_response_mb * 1024 * 1024),
        )

    def client(self, stats: ClientStats | None = None) -> FetchClient:
        return FetchClient(self.client_settings(), self.host_policy(), stats)


class CatalogDatabaseResource(dg.ConfigurableResource):
    """The catalog database (``PROMOSYNC_DATABASE_URL``); migrations run once per process.

    It also holds the run's supplier leases: the first step of a run that writes a supplier
    takes it (:meth:`hold_lease`), and it is freed when the run ends (or its process dies).
    """

    url: str | None = None
    lease_wait_s: int | None = None
    """How long a sync waits for a supplier another sync holds (``PROMOSYNC_LEASE_WAIT_SECONDS``,
    default 1800) before it fails saying so."""
    lease_ttl_s: int | None = None
    """SQLite: how long the lease of a holder that died stays taken
    (``PROMOSYNC_LEASE_TTL_SECONDS``, default 60). PostgreSQL frees it when the holder's
    connection ends."""
    changes_retention_days: int | None = None
    """How long ``catalog_changes`` keeps a change (``PROMOSYNC_CHANGES_RETENTION_DAYS``,
    default 365); each sync prunes its supplier's older ones."""
    _catalog: Catalog | None = PrivateAttr(default=None)
    _leases: dict[str, SupplierLease] = PrivateAttr(default_factory=dict)

    def resolved_url(self) -> str:
        return settings.setting(self.url, settings.DATABASE_URL, settings.DEFAULT_DATABASE_URL)

    def catalog(self) -> Catalog:
        """The catalog, its schema brought to head on first use in this process."""
        if self._catalog is None:
            engine = make_engine(self.resolved_url())
            upgrade(engine)
            ttl = self.lease_ttl_s or settings.env_number(
                settings.LEASE_TTL_SECONDS, DEFAULT_TTL_S, 1
            )
            self._catalog = Catalog(engine, lease_ttl_s=ttl)
        return self._catalog

    def retention_days(self) -> float:
        if self.changes_retention_days is not None:
            return float(self.changes_retention_days)
        return settings.env_number(settings.CHANGES_RETENTION_DAYS, DEFAULT_RETENTION_DAYS, 1)

    def hold_lease(self, supplier_code: str, run_id: str, log: Any) -> None:
        """Hold ``supplier_code``'s lease until the run ends: taken at the first call of the
        run (waiting, with ``log`` told for whom), checked at the next ones and taken again if
        it was lost (a dropped database connection)."""
        lease = self._leases.get(supplier_code)
        if lease is not None and lease.alive():
            return
        if lease is not None:
            log.warning(f"{supplier_code}: the supplier's lease was lost; taking it again")
            lease.release()
        wait = float(
            self.lease_wait_s
            if self.lease_wait_s is not None
            else settings.env_number(settings.LEASE_WAIT_SECONDS, DEFAULT_WAIT_S, 0)
        )
        started = time.monotonic()
        try:
            lease = self.catalog().leases.acquire(
                supplier_code, run_id, wait_s=wait, on_wait=log.info
            )
        except LeaseUnavailable as exc:
            raise dg.Failure(str(exc), allow_retries=False) from None
        self._leases[supplier_code] = lease
        if time.monotonic() - started >= 1:
            log.info(f"{supplier_code}: took the lease after {time.monotonic() - started:.0f} s")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        for lease in self._leases.values():
            lease.release()
        self._leases.clear()
        if self._catalog is not None:
            self._catalog.dispose()
            self._catalog = None


class ImageStoreResource(dg.ConfigurableResource):
    """Where images go (``PROMOSYNC_IMAGE_STORE``): ``s3://bucket/prefix`` or a folder.

    S3 goes through the project's one S3 client (``images.stores.s3_client``); credentials and
    region come from boto3's usual chain, the endpoint from ``AWS_ENDPOINT_URL_S3`` (R2, MinIO,
    a test server).
    """

    location: str | None = None
    endpoint_url: str | None = None
    region_name: str | None = None

    def resolved_location(self) -> str:
        return resolved_location(self.location)

    def store(self) -> ImageStore:
        location = self.resolved_location()
        return open_image_store(location, _s3_client(location, self.endpoint_url, self.region_name))


def _s3_client(location: str, endpoint_url: str | None, region_name: str | None) -> Any:
    """The project's S3 client (:func:`~promosync_pipeline.images.stores.s3_client`) for an
    ``s3://`` location, else None."""
    if not location.startswith("s3://"):
        return None
    return s3_client(endpoint_url, region_name)


class ArchiveStoreResource(dg.ConfigurableResource):
    """Where downloaded product files are kept (``PROMOSYNC_ARCHIVE_STORE``): ``s3://bucket/prefix``
    or a folder, with the last ``versions`` (``PROMOSYNC_ARCHIVE_VERSIONS``) of each family."""

    location: str | None = None
    versions: int | None = None
    endpoint_url: str | None = None
    region_name: str | None = None

    def resolved_location(self) -> str:
        return settings.setting(
            self.location, settings.ARCHIVE_STORE, settings.DEFAULT_ARCHIVE_STORE
        )

    def resolved_versions(self) -> int:
        if self.versions is not None:
            return self.versions  # SupplierArchive refuses fewer than 1
        value = settings.env_number(settings.ARCHIVE_VERSIONS, settings.DEFAULT_ARCHIVE_VERSIONS, 1)
        if value != int(value):
            raise ValueError(f"{settings.ARCHIVE_VERSIONS}={value:g} is not a whole number")
        return int(value)

    def supplier(self, supplier_code: str, now: datetime) -> SupplierArchive:
        """This supplier's archive for one sync (listed when first needed)."""
        location = self.resolved_location()
        client = _s3_client(location, self.endpoint_url, self.region_name)
        return SupplierArchive(
            open_archive_store(location, client),
            supplier_code,
            versions=self.resolved_versions(),
            now=now,
        )


RESOURCE_VARIABLES = (
    settings.ALLOWED_HOSTS,
    settings.DATABASE_URL,
    settings.IMAGE_STORE,
    settings.ARCHIVE_STORE,
    settings.ARCHIVE_VERSIONS,
    settings.LEASE_WAIT_SECONDS,
    settings.LEASE_TTL_SECONDS,
    settings.CHANGES_RETENTION_DAYS,
    settings.CHANGES_WEBHOOK_URL,
    IO_BUCKET,
    IO_PREFIX,
    settings.AWS_ENDPOINT,
    settings.AWS_REGION,
    settings.AWS_DEFAULT_REGION,
    settings.ALERT_WEBHOOK_URL,
    settings.UI_URL,
)
"""The variables :func:`default_resources` binds when they are set (``PROMIDATA_BASE_URL``
is bound always)."""


def default_resources(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The resources of the code location, each field bound to its contract variable.

    The feed URL has no default: it is always ``dg.EnvVar``, so a run without it is refused at
    launch, naming the variable. Every other field is ``dg.EnvVar`` when its variable is set as
    the definitions load, and empty (the embedded default, taken when the resource is used)
    when it is not. Dagster resolves an ``EnvVar`` when each run or tick starts, and the
    launchpad and the resource page name the variable; but an ``EnvVar`` has no default and one
    of an unset variable fails every run (dagster-io/dagster#16232), so whether each variable
    is set is read here, once.
    """
    env = os.environ if environ is None else environ

    def bound(name: str) -> Any:
        return dg.EnvVar(name) if settings.env(name, environ=env) else None

    def bound_int(name: str) -> Any:
        return dg.EnvVar.int(name) if bound(name) else None

    s3: dict[str, Any] = {
        "endpoint_url": bound(settings.AWS_ENDPOINT),
        "region_name": bound(settings.AWS_REGION) or bound(settings.AWS_DEFAULT_REGION),
    }
    return {
        "promidata": PromidataResource(
            base_url=dg.EnvVar(settings.PROMIDATA_BASE_URL),
            allowed_hosts=bound(settings.ALLOWED_HOSTS),
        ),
        "catalog_db": CatalogDatabaseResource(
            url=bound(settings.DATABASE_URL),
            lease_wait_s=bound_int(settings.LEASE_WAIT_SECONDS),
            lease_ttl_s=bound_int(settings.LEASE_TTL_SECONDS),
            changes_retention_days=bound_int(settings.CHANGES_RETENTION_DAYS),
        ),
        "image_store": ImageStoreResource(location=bound(settings.IMAGE_STORE), **s3),
        "archive_store": ArchiveStoreResource(
            location=bound(settings.ARCHIVE_STORE),
            versions=bound_int(settings.ARCHIVE_VERSIONS),
            **s3,
        ),
        "io_manager": AssetValueIOManager(bucket=bound(IO_BUCKET), prefix=bound(IO_PREFIX), **s3),
        "alerts": AlertWebhookResource(
            url=bound(settings.ALERT_WEBHOOK_URL), ui_url=bound(settings.UI_URL)
        ),
        "change_webhook": ChangeWebhookResource(url=bound(settings.CHANGES_WEBHOOK_URL)),
    }
