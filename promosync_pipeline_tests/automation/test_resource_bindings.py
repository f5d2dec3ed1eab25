"""Each resource field is bound to its contract variable with ``dg.EnvVar`` when that variable
is set, so the UI names the variable as the value's source and Dagster resolves it per run."""

from datetime import UTC, datetime

import dagster as dg
import pytest

from promosync_pipeline import settings
from promosync_pipeline.io_managers import IO_BUCKET, IO_PREFIX
from promosync_pipeline.resources import (
    RESOURCE_VARIABLES,
    ArchiveStoreResource,
    CatalogDatabaseResource,
    PromidataResource,
    default_resources,
)

BINDINGS = [
    ("promidata", "allowed_hosts", settings.ALLOWED_HOSTS),
    ("catalog_db", "url", settings.DATABASE_URL),
    ("catalog_db", "lease_wait_s", settings.LEASE_WAIT_SECONDS),
    ("catalog_db", "lease_ttl_s", settings.LEASE_TTL_SECONDS),
    ("catalog_db", "changes_retention_days", settings.CHANGES_RETENTION_DAYS),
    ("image_store", "location", settings.IMAGE_STORE),
    ("image_store", "endpoint_url", settings.AWS_ENDPOINT),
    ("image_store", "region_name", settings.AWS_REGION),
    ("archive_store", "location", settings.ARCHIVE_STORE),
    ("archive_store", "versions", settings.ARCHIVE_VERSIONS),
    ("archive_store", "endpoint_url", settings.AWS_ENDPOINT),
    ("archive_store", "region_name", settings.AWS_REGION),
    ("io_manager", "bucket", IO_BUCKET),
    ("io_manager", "prefix", IO_PREFIX),
    ("io_manager", "endpoint_url", settings.AWS_ENDPOINT),
    ("io_manager", "region_name", settings.AWS_REGION),
    ("alerts", "url", settings.ALERT_WEBHOOK_URL),
    ("alerts", "ui_url", settings.UI_URL),
    ("change_webhook", "url", settings.CHANGES_WEBHOOK_URL),
]
EVERY_VARIABLE = {variable: "3" for variable in RESOURCE_VARIABLES}
ENV_BOUND = (dg.EnvVar, type(dg.EnvVar.int(settings.ARCHIVE_VERSIONS)))
"""``dg.EnvVar`` and the class of ``dg.EnvVar.int``, which Dagster does not export."""


@pytest.mark.parametrize(("resource", "field", "variable"), BINDINGS)
def test_a_set_variable_binds_its_field_with_envvar(resource, field, variable):
    value = getattr(default_resources(EVERY_VARIABLE)[resource], field)
    assert isinstance(value, ENV_BOUND), (resource, field, value)
    assert value.env_var_name == variable


@pytest.mark.parametrize(("resource", "field", "variable"), BINDINGS)
def test_an_unset_variable_leaves_its_field_to_the_embedded_default(resource, field, variable):
    assert getattr(default_resources({})[resource], field) is None
    blank = getattr(default_resources({variable: "  "})[resource], field)
    assert blank is None, "a blank variable counts as unset, as everywhere else"


class _AnyVariableSet(dict[str, str]):
    """An environment in which every variable is set, whatever its name."""

    def get(self, key: str, default: object = None) -> str:  # type: ignore[override]
        return "3"


def test_the_variables_bound_are_exactly_those_the_suite_keeps_out_of_its_environment():
    """conftest.py clears RESOURCE_VARIABLES before the definitions load; a binding to any other
    variable would come from the shell that started the suite. With every possible variable
    set, the bindings name exactly RESOURCE_VARIABLES (AWS_REGION winning over
    AWS_DEFAULT_REGION) and the feed URL."""
    names = {
        value.env_var_name
        for resource in default_resources(_AnyVariableSet()).values()
        for value in dict(resource).values()
        if isinstance(value, ENV_BOUND)
    }
    expected = set(RESOURCE_VARIABLES) - {settings.AWS_DEFAULT_REGION}
    assert names == expected | {settings.PROMIDATA_BASE_URL}
    assert {variable for _, _, variable in BINDINGS} == expected


def test_the_feed_url_is_always_bound_since_it_has_no_default():
    base_url = default_resources({})["promidata"].base_url
    assert isinstance(base_url, dg.EnvVar)
    assert base_url.env_var_name == settings.PROMIDATA_BASE_URL


def test_the_region_falls_back_to_aws_default_region():
    region = default_resources({settings.AWS_DEFAULT_REGION: "eu-west-1"})["image_store"]
    assert region.region_name.env_var_name == settings.AWS_DEFAULT_REGION


def test_a_bound_field_takes_the_value_the_variable_has_when_a_run_starts(monkeypatch, tmp_path):
    """Bound when the definitions load, resolved at launch: a run sees the current value."""
    bound = default_resources(
        {settings.DATABASE_URL: "sqlite:///elsewhere.sqlite", settings.ARCHIVE_VERSIONS: "4"}
    )

    @dg.asset
    def database(catalog_db: CatalogDatabaseResource) -> str:
        return catalog_db.resolved_url()

    @dg.asset
    def versions(archive_store: ArchiveStoreResource) -> int:
        return archive_store.resolved_versions()

    resources = {"catalog_db": bound["catalog_db"], "archive_store": bound["archive_store"]}
    url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    monkeypatch.setenv(settings.DATABASE_URL, f"  {url}\n")
    monkeypatch.setenv(settings.ARCHIVE_VERSIONS, "5")
    result = dg.materialize([database, versions], resources=resources)
    assert result.output_for_node("database") == url
    assert result.output_for_node("versions") == 5

    monkeypatch.delenv(settings.DATABASE_URL)
    with pytest.raises(dg.DagsterInvalidConfigError, match=settings.DATABASE_URL):
        dg.materialize([database], resources=resources)


@pytest.mark.parametrize(
    ("value", "error", "says"),
    [
        ("x", dg.DagsterInvalidConfigError, "cannot be coerced into an int"),
        ("0", ValueError, "must be at least 1, not 0"),
    ],
)
def test_a_bad_bound_number_fails_the_run_naming_the_variable(
    monkeypatch, tmp_path, value, error, says
):
    bound = default_resources({settings.ARCHIVE_VERSIONS: "4"})["archive_store"]

    @dg.asset
    def archive(archive_store: ArchiveStoreResource) -> int:
        return archive_store.supplier("A1", datetime.now(UTC)).versions

    monkeypatch.setenv(settings.ARCHIVE_STORE, str(tmp_path / "raw"))
    monkeypatch.setenv(settings.ARCHIVE_VERSIONS, value)
    with pytest.raises(error, match=says) as raised:
        dg.materialize([archive], resources={"archive_store": bound})
    assert settings.ARCHIVE_VERSIONS in str(raised.value)


def test_an_empty_allowed_hosts_in_the_launchpad_means_no_extra_hosts(monkeypatch):
    monkeypatch.setenv(settings.ALLOWED_HOSTS, "cdn.example")
    feed = "http://127.0.0.1:9/feed"
    assert PromidataResource(base_url=feed).host_policy().allows("http://cdn.example/a.jpg")
    assert (
        not PromidataResource(base_url=feed, allowed_hosts="")
        .host_policy()
        .allows("http://cdn.example/a.jpg")
    )
