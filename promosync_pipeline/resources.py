"""Dagster resources: the Promidata source, the catalog database, the image store and the raw
payload archive.

The code location binds ``PROMIDATA_BASE_URL`` with ``dg.EnvVar`` (:func:`default_resources`).
Any other field left at ``None`` is taken from its contract environment variable when the
resource is used, or falls back to the embedded default, so ``dagster dev`` works with nothing
else configured while the launchpad can still override every field.
"""

from datetime import datetime
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from promosync_pipeline import settings
from promosync_pipeline.archive import SupplierArchive, open_archive_store
from promosync_pipeline.catalog import CatalogStore, make_engine, upgrade
from promosync_pipeline.http import ClientSettings, ClientStats, FetchClient, HostPolicy
from promosync_pipeline.images.stores import (
    ImageStore,
    open_image_store,
    resolved_location,
    s3_client,
)
from promosync_pipeline.io_managers import AssetValueIOManager


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
        url = self.base_url or settings.env(settings.PROMIDATA_BASE_URL)
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
        extra = self.allowed_hosts
        if extra is None:
            extra = settings.env(settings.ALLOWED_HOSTS)
        return HostPolicy.for_feed(self.index_url, extra)

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
    """The catalog database (``PROMOSYNC_DATABASE_URL``); migrations run once per process."""

    url: str | None = None
    _store: CatalogStore | None = PrivateAttr(default=None)

    def resolved_url(self) -> str:
        return self.url or settings.database_url()

    def store(self) -> CatalogStore:
        if self._store is None:
            engine = make_engine(self.resolved_url())
            upgrade(engine)
            self._store = CatalogStore(engine)
        return self._store

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._store is not None:
            self._store.engine.dispose()
            self._store = None


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
        return self.location or settings.env(settings.ARCHIVE_STORE, settings.DEFAULT_ARCHIVE_STORE)

    def resolved_versions(self) -> int:
        if self.versions is not None:
            return self.versions
        value = settings.env_number(settings.ARCHIVE_VERSIONS, settings.DEFAULT_ARCHIVE_VERSIONS, 1)
        if value != int(value):
            raise ValueError(f"{settings.ARCHIVE_VERSIONS}={value:g} is not a whole number")
        return int(value)

    def supplier(self, supplier_code: str, now: datetime) -> SupplierArchive:
        """This supplier's archive for one sync, its current content listed."""
        location = self.resolved_location()
        client = _s3_client(location, self.endpoint_url, self.region_name)
        archive = SupplierArchive(
            open_archive_store(location, client),
            supplier_code,
            versions=self.resolved_versions(),
            now=now,
        )
        archive.open()
        return archive


def default_resources() -> dict[str, Any]:
    """The resources of the code location. The feed URL, which has no default, is bound with
    ``dg.EnvVar`` so the UI shows where it comes from and a run without it is refused at
    launch, naming the variable. The other fields have embedded defaults, which ``dg.EnvVar``
    cannot express (an unset one fails config resolution, dagster-io/dagster#16232): they stay
    empty and are read when the resource is used."""
    return {
        "promidata": PromidataResource(base_url=dg.EnvVar(settings.PROMIDATA_BASE_URL)),
        "catalog_db": CatalogDatabaseResource(),
        "image_store": ImageStoreResource(),
        "archive_store": ArchiveStoreResource(),
        "io_manager": AssetValueIOManager(),
    }
