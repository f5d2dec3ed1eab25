"""Where values passed between assets are kept: local files, or S3 for runs spread over machines.

``PROMOSYNC_IO_BUCKET`` set: dagster-aws' ``S3PickleIOManager`` under
``s3://$PROMOSYNC_IO_BUCKET/$PROMOSYNC_IO_PREFIX`` (prefix default ``promosync/io``), through an
``S3Resource`` whose endpoint comes from ``AWS_ENDPOINT_URL_S3`` (R2, MinIO, a test server) and
credentials from boto3's chain. Unset: pickles under the instance's storage folder, exactly
where Dagster's default filesystem IO manager keeps them. The choice is made when a run starts,
not when the code location is imported, so one image serves every environment.
"""

from typing import Any

import dagster as dg
from dagster._core.storage.fs_io_manager import PickledObjectFilesystemIOManager
from pydantic import PrivateAttr

from promosync_pipeline import settings

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
        return self.bucket or settings.env(IO_BUCKET)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        bucket = self.resolved_bucket()
        if not bucket:
            self._delegate = PickledObjectFilesystemIOManager(
                base_dir=context.instance.storage_directory() if context.instance else None
            )
            return
        from dagster_aws.s3 import S3PickleIOManager, S3Resource

        region = (
            self.region_name or settings.env("AWS_REGION") or settings.env("AWS_DEFAULT_REGION")
        )
        s3 = S3Resource(
            endpoint_url=self.endpoint_url or settings.env("AWS_ENDPOINT_URL_S3") or None,
            region_name=region or None,
        )
        self._delegate = S3PickleIOManager(
            s3_resource=s3,
            s3_bucket=bucket,
            s3_prefix=self.prefix or settings.env(IO_PREFIX, DEFAULT_IO_PREFIX),
        )

    def _target(self) -> Any:
        if self._delegate is None:
            raise dg.DagsterInvariantViolationError("the IO manager was not set up for this run")
        return self._delegate

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        self._target().handle_output(context, obj)

    def load_input(self, context: dg.InputContext) -> Any:
        return self._target().load_input(context)
