"""Images end to end: the feed simulator over HTTP, the real jobs, a folder or S3 (moto)."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import Image

from promosync_pipeline import settings
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, parse_fault
from promosync_pipeline.images.keys import RENDITIONS
from promosync_pipeline.images.stores import ImageStore, open_image_store
from promosync_pipeline_tests.support.catalog import rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_catalog_equals_feed
from promosync_pipeline_tests.support.syncs import sync

# Sources of 480 x 320: the small rendition and the thumbnail shrink them, the others keep
# them as they are (never enlarged); larger sources only cost Pillow more time.
SOURCE = (480, 320)
pytestmark = pytest.mark.feed(seed=5, suppliers=2, families=5, image_size=SOURCE)

BOXES = {"original": 2000, "large": 1600, "medium": 800, "small": 400}


def _expected_refs(generator: FeedGenerator) -> set[tuple[str, str, str, int, str]]:
    """Each variant's main and gallery images and the pictures of its print positions."""
    return {
        (sku, v.sku, image.role, image.position, image.url)
        for sku in generator.all_skus()
        for v in generator.family(sku).variants
        for image in (*v.images, *(i for p in v.positions for i in p.images))
    }


def _image_rows(url: str) -> list[dict[str, Any]]:
    return rows(url, t.product_images)


DECODED_EVERY = 7
"""Of the stored source images, every seventh (by content hash) has its five objects
downloaded and decoded; every object's presence and size come from one listing of the store.
Each download from the S3 test server costs 10-15 ms of this process's CPU, and the
renditions of one source size come out alike."""


def _assert_every_image_stored(url: str, generator: FeedGenerator, store: ImageStore) -> None:
    """Every reference of the feed has a stored original and four renditions, each an object
    of the recorded size in the store; a sample of them decodes to a JPEG of the recorded
    dimensions."""
    image_rows = _image_rows(url)
    originals = {
        (r["product_sku"], r["variant_sku"], r["role"], r["position"], r["source_url"]): r
        for r in image_rows
        if r["parent_id"] is None
    }
    assert set(originals) == _expected_refs(generator)
    by_parent: dict[int, list[dict[str, Any]]] = {}
    for r in image_rows:
        if r["parent_id"] is not None:
            by_parent.setdefault(r["parent_id"], []).append(r)
    listed = dict(store.list_sizes("images"))
    objects: dict[str, dict[str, Any]] = {}
    for original in originals.values():
        assert original["status"] == "stored", original
        assert original["rendition"] == "original"
        family = by_parent[original["id"]]
        assert sorted(r["rendition"] for r in [original, *family]) == sorted(RENDITIONS)
        for r in [original, *family]:
            assert r["sha256"] == original["sha256"] and r["status"] == "stored"
            assert (
                r["storage_key"] == f"images/{r['sha256'][:2]}/{r['sha256']}/{r['rendition']}.jpg"
            )
            assert listed.get(r["storage_key"]) == r["bytes"], r
            objects[r["storage_key"]] = r
    sources = sorted({r["sha256"] for r in objects.values()})
    sample = set(sources[::DECODED_EVERY])
    decoded = [r for r in objects.values() if r["sha256"] in sample]
    assert {r["rendition"] for r in decoded} == set(RENDITIONS)
    for r in decoded:
        image = Image.open(io.BytesIO(store.get(r["storage_key"])))
        image.load()
        assert (image.format, image.size) == ("JPEG", (r["width"], r["height"]))
        if r["rendition"] == "thumbnail":
            assert image.size == (200, 200)
        else:
            assert max(image.size) <= BOXES[r["rendition"]]
            assert max(image.size) == min(max(SOURCE), BOXES[r["rendition"]])


def _image_downloads(feed: FeedServer) -> Counter[str]:
    return Counter({p: n for p, n in feed.stats.paths.items() if p.startswith("/Images/")})


@pytest.fixture
def image_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, env: str) -> str:
    """Point PROMOSYNC_IMAGE_STORE at a folder or at a bucket on the moto S3 server."""
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        monkeypatch.setenv(settings.IMAGE_STORE, f"s3://{bucket}/shop")
    return request.param


# The two deployments, not every pairing: the image rows are the catalog's and the objects the
# store's, and each backend and each store is run once (the other pairings cost 26 s of CPU).
@pytest.mark.parametrize(
    ("catalog_url", "image_store"),
    [("sqlite", "folder"), ("postgresql", "s3")],
    indirect=True,
    ids=["laptop-sqlite-folder", "production-postgresql-s3"],
)
def test_every_image_is_stored_with_renditions(instance, feed, env, image_store) -> None:
    runs = sync(instance)
    assert all(run.success for run in runs.values())
    assert_catalog_equals_feed(env, feed.generator)
    store = open_image_store()
    _assert_every_image_stored(env, feed.generator, store)
    if image_store == "s3":
        client = boto3.client("s3")
        bucket = store.bucket  # type: ignore[attr-defined]
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
        assert keys and all(k.startswith("shop/images/") for k in keys)
        head = client.head_object(Bucket=bucket, Key=keys[0])
        assert head["ContentType"] == "image/jpeg"


def test_each_url_is_downloaded_once_and_a_second_sync_uploads_nothing(
    instance, feed, env, tmp_path: Path
) -> None:
    refs = _expected_refs(feed.generator)
    urls = {ref[4] for ref in refs}
    assert len(refs) > len(urls), "the feed shares images across variants and languages"
    first = sync(instance)
    downloads = _image_downloads(feed)
    assert set(downloads.values()) == {1}
    assert len(downloads) == len(urls)
    objects = sorted(p.relative_to(tmp_path) for p in (tmp_path / "images").rglob("*.jpg"))
    new = sum(_images_meta(run)["images_new"] for run in first.values())
    assert len(objects) == new * len(RENDITIONS)

    second = sync(instance)
    assert _image_downloads(feed) == downloads, "nothing downloaded again"
    for run in second.values():
        meta = _images_meta(run)
        assert (meta["images_new"], meta["images_downloaded"], meta["images_listed"]) == (0, 0, 0)
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "images").rglob("*.jpg")) == objects

    changed = feed.generator.change_families(1)
    third = sync(instance)
    assert sum(_images_meta(run)["images_downloaded"] for run in third.values()) >= 1
    assert set(_image_downloads(feed).values()) == {1}, "a changed family's new URLs only"
    _assert_every_image_stored(env, feed.generator, open_image_store())
    assert changed


def _images_meta(run: Any) -> dict[str, Any]:
    (mat,) = run.result.asset_materializations_for_node("uploaded_images")
    return {k: v.value for k, v in mat.metadata.items()}


def test_the_same_bytes_under_two_urls_are_stored_once(instance, feed, env) -> None:
    refs = sorted(_expected_refs(feed.generator), key=lambda r: r[4])
    first_url, second_url = sorted({r[4] for r in refs})[:2]
    path = "/" + second_url.split("/", 3)[3]
    target = "/" + first_url.split("/", 3)[3]
    feed.set_faults([parse_fault(f"redirect:target=image,path={path},location={target}")])
    runs = sync(instance)
    assert all(run.success for run in runs.values())
    originals = {r["source_url"]: r for r in _image_rows(env) if r["parent_id"] is None}
    assert originals[first_url]["sha256"] == originals[second_url]["sha256"]
    assert originals[first_url]["storage_key"] == originals[second_url]["storage_key"]
    objects = rows(env, t.image_objects, t.image_objects.c.sha256 == originals[first_url]["sha256"])
    assert sorted(o["rendition"] for o in objects) == sorted(RENDITIONS)
    assert sum(_images_meta(run)["images_reused_by_content"] for run in runs.values()) == 1
    assert sum(_images_meta(run)["images_new"] for run in runs.values()) == len(
        {r["sha256"] for r in originals.values()}
    )


def _open_errors(url: str, stage: str) -> dict[str, str]:
    e = t.sync_errors
    return {
        r["sku"]: r["error"] for r in rows(url, e, e.c.resolved_at.is_(None), e.c.stage == stage)
    }


def test_bad_images_fail_alone_and_succeed_once_fixed(instance, feed, env) -> None:
    """Corrupt, truncated, missing, bomb, SVG, BMP and disallowed-host images are recorded as
    failures with their reason while every product commits; a valid JPEG served as text/html
    is stored (the bytes decide); fixed in the feed, the failures are stored on the next
    sync."""
    g = feed.generator
    skus = g.all_skus()
    corrupt_sku, missing_sku, bomb_sku, foreign_sku = skus[0], skus[1], skus[2], skus[-1]
    truncated_sku, svg_sku, bmp_sku, retyped_sku = skus[3], skus[4], skus[5], skus[6]

    def first_image_path(sku: str) -> str:
        return "/" + g.family(sku).variants[0].images[0].url.split("/", 3)[3]

    feed.set_faults(
        [
            parse_fault(f"corrupt_image:path={first_image_path(corrupt_sku)}"),
            parse_fault(f"404:target=image,path={first_image_path(missing_sku)}"),
            parse_fault(f"huge_image:path={first_image_path(bomb_sku)}"),
            parse_fault(f"truncate:target=image,path={first_image_path(truncated_sku)}"),
            parse_fault(f"other_format:format=svg,path={first_image_path(svg_sku)}"),
            parse_fault(f"other_format:format=bmp,path={first_image_path(bmp_sku)}"),
            parse_fault(f"content_type:value=text/html,path={first_image_path(retyped_sku)}"),
        ]
    )
    g.point_to_host([foreign_sku], "http://images.example.invalid:8080")

    runs = sync(instance)
    assert all(run.success for run in runs.values()), "image failures never fail the sync"
    assert_catalog_equals_feed(env, g)
    failed = {
        r["source_url"]: r["error"]
        for r in _image_rows(env)
        if r["parent_id"] is None and r["status"] == "failed"
    }
    reasons = {sku: _open_errors(env, "image").get(sku, "") for sku in skus}
    assert "corrupt or truncated" in reasons[corrupt_sku]
    assert "HTTP 404" in reasons[missing_sku]
    assert "decompression bomb" in reasons[bomb_sku]
    assert "not in the allowed hosts" in reasons[foreign_sku]
    assert "corrupt or truncated" in reasons[truncated_sku]
    assert "not a supported raster image" in reasons[svg_sku]
    assert "not a supported raster image" in reasons[bmp_sku]
    failing = {corrupt_sku, missing_sku, bomb_sku, foreign_sku, truncated_sku, svg_sku, bmp_sku}
    assert {sku for sku, reason in reasons.items() if reason} == failing
    retyped_url = g.family(retyped_sku).variants[0].images[0].url
    retyped = [r for r in _image_rows(env) if r["source_url"] == retyped_url]
    assert retyped and {r["status"] for r in retyped} == {"stored"}, "the bytes decide"
    foreign_urls = {i.url for v in g.family(foreign_sku).variants for i in v.images}
    assert foreign_urls <= set(failed)
    assert not any("example.invalid" in p for p in feed.stats.paths), "never fetched"
    stored = [r for r in _image_rows(env) if r["parent_id"] is None and r["status"] == "stored"]
    assert stored, "the other images are stored"

    feed.set_faults([])
    g.point_to_host([foreign_sku], feed.origin)
    runs = sync(instance)
    assert all(run.success for run in runs.values())
    assert_catalog_equals_feed(env, g)
    _assert_every_image_stored(env, g, open_image_store())
    assert _open_errors(env, "image") == {}
    resolved = rows(env, t.sync_errors, t.sync_errors.c.stage == "image")
    assert {r["sku"] for r in resolved} == failing
    assert all(r["resolved_at"] is not None for r in resolved)


def test_an_unreachable_image_store_leaves_images_pending_for_the_next_sync(
    instance, feed, sqlite_env, monkeypatch: pytest.MonkeyPatch, s3_bucket: str, s3_endpoint: str
) -> None:
    """With the S3 server unreachable the products still commit, the image step fails
    naming the store, and the next sync with the store back stores every image. The store is
    the subject, so the catalog is SQLite alone; the tests above write image rows on both."""
    monkeypatch.setenv(settings.IMAGE_STORE, f"s3://{s3_bucket}/shop")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    runs = sync(instance)
    assert not any(run.success for run in runs.values())
    assert_catalog_equals_feed(sqlite_env, feed.generator)
    for run in runs.values():
        failures = [e for e in run.result.all_events if e.is_step_failure]
        assert [e.step_key for e in failures] == ["uploaded_images"]
        message = failures[0].step_failure_data.error.message
        assert "image store failed" in message and "left pending" in message
    originals = [r for r in _image_rows(sqlite_env) if r["parent_id"] is None]
    assert originals and {r["status"] for r in originals} == {"pending"}
    assert rows(sqlite_env, t.image_objects) == [], "no object recorded that is not in the store"

    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    runs = sync(instance)
    assert all(run.success for run in runs.values())
    _assert_every_image_stored(sqlite_env, feed.generator, open_image_store())
