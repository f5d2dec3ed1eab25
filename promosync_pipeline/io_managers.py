"""Where values passed between assets are kept: local files, or S3 for runs spread over machines.

``PROMOSYNC_IO_BUCKET`` set: dagster-aws' pickling S3 IO manager under
``s3://$PROMOSYNC_IO_BUCKET/$PROMOSYNC_IO_PREFIX`` (prefix default ``promosync/io``), through the
project's one S3 client (``images.stores.s3_client``: endpoint from ``AWS_ENDPOINT_URL_S3``, R2,
MinIO or a test server, region and credentials as boto3 resolves them). Unset: pickles under
the instance's storage folder, exactly where Dagster's default filesystem IO manager keeps
them. The choice is made when a run starts, not when the code location is imported, so one
image serves every environment.
"""

from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from promosync_pipeline import settings
from promosync_pipeline.images.stores import s3_client

IO_BUCKET = "PROMOSYNC_IO_BUCKET"
IO_PREFIX = "PROMOSYNC_IO_PREFIX"
DEFAULT_IO_PREFIX = "promosync/io"


class AssetValueIOManager(dg.ConfigurableIOManager):
    """Pickled asset values in S3 (``PROMOSYNC_IO_BUCKET``) or in the instance's storage."""

    bucket: str | None = None
    """Defaults to ``PROMOSYNC_IO_BUCKET``; empty means the local filesystem."""
    prefix: str | None = None
    """Defaults to ``PROMOSYNC_IO_PREFIX``, then ``promosync/io``."""
    endpoint_url: str | None = None
    """Defaults to ``AWS_ENDPOINT_URL_S3`` (left to boto3 when unset)."""
    region_name: str | None = None
    _delegate: Any = PrivateAttr(default=None)

    def resolved_bucket(self) -> str:
        return settings.setting(self.bucket, IO_BUCKET)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        bucket = self.resolved_bucket()
        if not bucket:
            # Dagster's own filesystem IO manager: pickles under the instance's storage folder
            self._delegate = dg.FilesystemIOManager().create_io_manager(context)
            return
        from dagster_aws.s3 import PickledObjectS3IOManager

        # the same S3 client as the image store and the archive (endpoint, region, credentials)
        self._delegate = PickledObjectS3IOManager(
            s3_bucket=bucket,
            s3_session=s3_client(self.endpoint_url, self.region_name),
            s3_prefix=settings.setting(self.prefix, IO_PREFIX, DEFAULT_IO_PREFIX),
        )

    def _target(self) -> Any:
        if self._delegate is None:
            raise dg.DagsterInvariantViolationError("the IO manager was not set up for this run")
        return self._delegate

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        self._target().handle_output(context, obj)

    def load_input(self, context: dg.InputContext) -> Any:
        return self._target().load_input(context)
