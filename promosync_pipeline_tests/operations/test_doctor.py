"""``promosync doctor``: healthy with everything up, naming the component that is not."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from promosync_pipeline import settings
from promosync_pipeline.catalog import make_engine, upgrade
from promosync_pipeline.cli.main import main
from promosync_pipeline.feedsim import FeedServer
from promosync_pipeline.feedsim.faults import parse_fault
from promosync_pipeline_tests.support.paths import PROMOSYNC
from promosync_pipeline_tests.support.ports import free_port

COMPONENTS = ("catalog", "image store", "feed", "dagster")


def lines(out: str) -> dict[str, str]:
    """component -> its line."""
    found = {}
    for line in out.splitlines():
        for component in COMPONENTS:
            if line[5:].startswith(f"{component}:"):
                found[component] = line
    return found


@pytest.fixture
def healthy(monkeypatch: pytest.MonkeyPatch, feed: FeedServer, tmp_path: Path) -> Path:
    """Everything up: the feed simulator, a migrated SQLite catalog, an image folder, an empty
    Dagster home; the working directory is ``tmp_path``."""
    catalog = tmp_path / "catalog.sqlite"
    upgrade(f"sqlite:///{catalog}")
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, feed.base_url)
    monkeypatch.setenv(settings.DATABASE_URL, f"sqlite:///{catalog}")
    monkeypatch.setenv(settings.IMAGE_STORE, str(tmp_path / "images"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return tmp_path


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str], str]:
    code = main(["doctor"])
    captured = capsys.readouterr()
    return code, lines(captured.out), captured.out + captured.err


def test_everything_up(healthy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found, out = doctor(capsys)
    assert code == 0, out
    assert set(found) == set(COMPONENTS)
    assert all(line.startswith("ok   ") for line in found.values()), out
    assert "(head)" in found["catalog"]
    assert "HTTP 200" in found["feed"]
    assert "no runs yet" in found["dagster"]


def test_feed_down(
    healthy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, f"http://127.0.0.1:{free_port()}/profile")
    code, found, out = doctor(capsys)
    assert code != 0
    assert found["feed"].startswith("FAIL feed: GET http://127.0.0.1:"), out
    assert all(found[c].startswith("ok") for c in ("catalog", "image store", "dagster")), out
    assert "unhealthy: feed" in out


def test_feed_not_configured(
    healthy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(settings.PROMIDATA_BASE_URL)
    code, found, _ = doctor(capsys)
    assert code != 0
    assert found["feed"] == f"FAIL feed: {settings.PROMIDATA_BASE_URL} is not set"


def test_feed_redirected_off_its_host_is_refused(
    healthy: Path,
    feed: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The doctor follows redirects only as runs do: never to a host the policy does not allow."""
    port = free_port()
    feed.set_faults([parse_fault(f"redirect:target=index,location=http://127.0.0.1:{port}/x")])
    code, found, out = doctor(capsys)
    assert code != 0
    assert found["feed"].startswith("FAIL feed: GET "), out
    assert f"host 127.0.0.1:{port} is not in the allowed hosts" in found["feed"], out


def test_cut_index_is_refused_as_a_run_would_refuse_it(
    healthy: Path,
    feed: FeedServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    feed.set_faults([parse_fault("truncate:target=index,keep=0.5")])
    code, found, out = doctor(capsys)
    assert code != 0
    assert "index refused: it ends in the middle of line" in found["feed"], out


def test_feed_error_status(
    healthy: Path,
    feed: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, f"{feed.base_url}/no-such-profile")
    code, found, out = doctor(capsys)
    assert code != 0
    assert "FAIL feed:" in found["feed"] and "HTTP 404" in found["feed"], out


def test_catalog_unreachable_without_leaking_the_password(
    healthy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql+psycopg://promosync:s3cret-pw@127.0.0.1:{free_port()}/catalog"
    monkeypatch.setenv(settings.DATABASE_URL, url)
    code, found, out = doctor(capsys)
    assert code != 0
    assert found["catalog"].startswith("FAIL catalog: postgresql+psycopg://promosync:***@"), out
    assert "OperationalError" in found["catalog"]
    assert "s3cret-pw" not in out
    assert all(found[c].startswith("ok") for c in ("image store", "feed", "dagster")), out


def test_catalog_file_missing(
    healthy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = healthy / "nowhere" / "catalog.sqlite"
    monkeypatch.setenv(settings.DATABASE_URL, f"sqlite:///{missing}")
    code, found, _ = doctor(capsys)
    assert code != 0
    assert "FAIL catalog:" in found["catalog"] and "does not exist" in found["catalog"]
    assert not missing.exists()  # the doctor does not create it


@pytest.mark.postgres
def test_catalog_at_an_old_revision_or_without_schema(
    healthy: Path,
    pg_database: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = pg_database()
    monkeypatch.setenv(settings.DATABASE_URL, empty)
    code, found, out = doctor(capsys)
    assert code != 0
    assert "no catalog schema" in found["catalog"], out

    old = pg_database()
    upgrade(old, "0001")
    monkeypatch.setenv(settings.DATABASE_URL, old)
    code, found, out = doctor(capsys)
    assert code != 0
    assert "schema at revision 0001" in found["catalog"], out
    assert "promosync db upgrade" in found["catalog"]

    upgrade(old)
    code, found, out = doctor(capsys)
    assert code == 0, out


def test_sqlite_catalog_at_an_old_revision(
    healthy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{healthy / 'old.sqlite'}"
    upgrade(url, "0001")
    monkeypatch.setenv(settings.DATABASE_URL, url)
    code, found, _ = doctor(capsys)
    assert code != 0
    assert "schema at revision 0001" in found["catalog"]


def test_image_store_unusable(
    healthy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = healthy / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(settings.IMAGE_STORE, str(blocker / "images"))
    code, found, out = doctor(capsys)
    assert code != 0
    assert found["image store"].startswith("FAIL image store:"), out


def test_dagster_instance_unusable(
    healthy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = healthy / "broken_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("storage:\n  nonsense: {}\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    code, found, out = doctor(capsys)
    assert code != 0
    assert found["dagster"].startswith("FAIL dagster:"), out


def test_console_script(healthy: Path, feed: FeedServer) -> None:
    env = {k: v for k, v in os.environ.items()}
    ok = subprocess.run(
        [PROMOSYNC, "doctor"], env=env, cwd=healthy, capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert set(lines(ok.stdout)) == set(COMPONENTS)

    env[settings.PROMIDATA_BASE_URL] = f"http://127.0.0.1:{free_port()}"
    down = subprocess.run(
        [PROMOSYNC, "doctor"], env=env, cwd=healthy, capture_output=True, text=True, timeout=120
    )
    assert down.returncode == 1
    assert lines(down.stdout)["feed"].startswith("FAIL feed:")
    assert "unhealthy: feed" in down.stderr


def test_scrub_hides_secrets() -> None:
    from promosync_pipeline.cli.doctor import _scrub

    assert _scrub("could not log in with pw hunter2\nretry", ["hunter2", None]) == (
        "could not log in with pw *** retry"
    )
    assert sa.make_url("postgresql://u:p@h/d").password == "p"
    make_engine("sqlite://").dispose()
