"""The automation part of the code location: contract names, defaults, full refresh job."""

from datetime import timedelta

import dagster as dg
import pytest

from promosync_pipeline import settings
from promosync_pipeline.assets import feed as feed_assets
from promosync_pipeline.assets import images, supplier
from promosync_pipeline.definitions import defs
from promosync_pipeline.freshness import with_catalog_freshness
from promosync_pipeline.names import SUPPLIER_ASSETS
from promosync_pipeline.sensors import load_sensors
from promosync_pipeline_tests.support.syncs import supplier_run, sync


def test_contract_names_resolve_and_everything_starts_stopped():
    repository = defs.get_repository_def()
    sensors = {s.name: s for s in repository.sensor_defs}
    assert {
        "promidata_index_sensor",
        "freshness_alert_sensor",
        "run_failure_alert_sensor",
        "run_recovery_alert_sensor",
    } <= set(sensors)
    for name in sensors:
        assert sensors[name].default_status == dg.DefaultSensorStatus.STOPPED, name
    assert defs.resolve_schedule_def("nightly_supplier_sync").job_name == "supplier_sync_job"
    assert sensors["promidata_index_sensor"].minimum_interval_seconds == 300
    assert sensors["freshness_alert_sensor"].minimum_interval_seconds == 120
    assert {j.name for j in sensors["promidata_index_sensor"].jobs} == {
        "supplier_sync_job",
        "feed_refresh_job",
    }


def test_full_refresh_job_syncs_the_same_assets_with_full_refresh_by_default():
    full = defs.resolve_job_def("supplier_full_refresh_job")
    incremental = defs.resolve_job_def("supplier_sync_job")
    expected = {dg.AssetKey(a) for a in SUPPLIER_ASSETS}
    assert full.asset_layer.executable_asset_keys == expected
    assert incremental.asset_layer.executable_asset_keys == expected
    assert full.partitions_def is not None and full.partitions_def.name == "suppliers"
    config = full.partitioned_config.get_run_config_for_partition_key("A7")
    assert config["ops"]["parsed_variants"]["config"] == {"full_refresh": True}


def test_full_refresh_job_downloads_every_file_again(instance, feed, sqlite_env):
    code = feed.generator.supplier_codes()[0]
    assert sync(instance, [code])[code].success
    feed.stats.reset()
    assert supplier_run(instance, code).success
    assert feed.stats.product_downloads() == 0
    full = defs.resolve_job_def("supplier_full_refresh_job")
    assert full.execute_in_process(partition_key=code, instance=instance).success
    assert feed.stats.product_downloads() == len(feed.generator.family_skus(code))


def test_intervals_and_window_come_from_the_environment():
    index, freshness, *_ = load_sensors(
        {
            settings.INDEX_POLL_SECONDS: "60",
            settings.FRESHNESS_HOURS: "6",
            settings.ALERT_POLL_SECONDS: "45",
        }
    )
    assert (index.minimum_interval_seconds, freshness.minimum_interval_seconds) == (60, 45)
    assert "6 h" in freshness.description


def test_catalog_assets_carry_dagster_s_freshness_policy_with_the_same_window():
    assets = dg.load_assets_from_modules([feed_assets, supplier, images])
    policies = {
        spec.key.to_user_string(): spec.freshness_policy
        for a in with_catalog_freshness(assets, {settings.FRESHNESS_HOURS: "6"})
        for spec in a.specs
    }
    catalog = {k: v for k, v in policies.items() if v is not None}
    assert set(catalog) == {"catalog_products", "catalog_variants"}
    assert {p.fail_window.to_timedelta() for p in catalog.values()} == {timedelta(hours=6)}
    default = defs.resolve_asset_graph().get(dg.AssetKey("catalog_products")).freshness_policy
    assert default.fail_window.to_timedelta() == timedelta(hours=26)
    too_short = with_catalog_freshness(assets, {settings.FRESHNESS_HOURS: "0.01"})
    assert all(spec.freshness_policy is None for a in too_short for spec in a.specs)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (settings.INDEX_POLL_SECONDS, "often", "is not a number"),
        (settings.INDEX_POLL_SECONDS, "5", "below the minimum of 30"),
        (settings.FRESHNESS_HOURS, "0", "below the minimum"),
    ],
)
def test_bad_numbers_fail_loudly(name, value, message):
    with pytest.raises(ValueError, match=message):
        load_sensors({name: value})


def test_a_run_without_the_feed_url_is_refused_at_launch_naming_the_variable(monkeypatch):
    monkeypatch.delenv(settings.PROMIDATA_BASE_URL, raising=False)
    base_url = defs.resources["promidata"].base_url
    assert isinstance(base_url, dg.EnvVar), base_url
    assert base_url.env_var_name == settings.PROMIDATA_BASE_URL
    with pytest.raises(dg.DagsterInvalidConfigError, match=settings.PROMIDATA_BASE_URL):
        defs.resolve_job_def("feed_refresh_job").execute_in_process()
