"""The folder and S3 stores behind one interface; S3 is moto's server over HTTP."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from promosync_pipeline.images.keys import clean_prefix, storage_key
from promosync_pipeline.images.stores import (
    CACHE_CONTROL,
    FolderStore,
    ImageStore,
    ImageStoreError,
    S3Store,
    open_image_store,
    parse_s3_location,
)

SHA = "ab" + "0" * 62


def test_keys_are_content_addressed_and_refuse_anything_else() -> None:
    assert storage_key(SHA, "thumbnail") == f"images/ab/{SHA}/thumbnail.jpg"
    for bad in ("../etc/passwd", SHA.upper(), SHA[:-1], f"{SHA}/x"):
        with pytest.raises(ValueError, match="SHA-256"):
            storage_key(bad, "original")
    with pytest.raises(ValueError, match="rendition"):
        storage_key(SHA, "../../x")


def test_prefixes_lose_empty_and_dot_segments() -> None:
    assert clean_prefix("/shop//pim/../img/") == "shop/pim/img/"
    assert clean_prefix("") == ""
    assert parse_s3_location("s3://bucket/a/../b") == ("bucket", "a/b/")


def _roundtrip(store: ImageStore) -> None:
    key = storage_key(SHA, "small")
    assert not store.exists(key)
    store.put(key, b"\xff\xd8jpeg bytes", "image/jpeg")
    assert store.exists(key)
    assert store.get(key) == b"\xff\xd8jpeg bytes"
    store.put(key, b"second", "image/jpeg")
    assert store.get(key) == b"second"
    for unsafe in ("../outside", "/absolute", "a//b", "a/./b"):
        with pytest.raises(ValueError, match="unsafe storage key"):
            store.put(unsafe, b"x", "image/jpeg")


def test_folder_store_roundtrip_and_atomic_files(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "images")
    _roundtrip(store)
    files = [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [Path("images/images/ab") / SHA / "small.jpg"], "no temporary files left"
    assert store.check() == f"folder {(tmp_path / 'images').resolve()}"


def test_folder_store_lists_every_object_under_a_prefix_with_its_size(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    store.put("A1/sku-1/v1.json.gz", b"12345", "application/gzip")
    store.put("A1/sku-1/v2.json.gz", b"12", "application/gzip")
    store.put("A1/sku%2F2/v1.json.gz", b"1", "application/gzip")
    store.put("A10/sku-3/v1.json.gz", b"123", "application/gzip")
    (tmp_path / "A1" / "sku-1" / ".tmp-half-written").write_bytes(b"xx")
    assert sorted(store.list_sizes("A1/")) == [
        ("A1/sku%2F2/v1.json.gz", 1),
        ("A1/sku-1/v1.json.gz", 5),
        ("A1/sku-1/v2.json.gz", 2),
    ]
    assert list(store.list_sizes("B2/")) == []


def test_folder_store_put_makes_a_removed_folder_again(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "store")
    store.put("a/b/one", b"1", "text/plain")
    (tmp_path / "store" / "a" / "b" / "one").unlink()
    (tmp_path / "store" / "a" / "b").rmdir()
    store.put("a/b/two", b"2", "text/plain")
    assert store.get("a/b/two") == b"2"


def test_folder_store_check_fails_on_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(ImageStoreError, match="not writable"):
        FolderStore(blocker).check()


def test_s3_store_roundtrip_with_headers(s3_bucket: str, s3_endpoint: str) -> None:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    store = S3Store(client, s3_bucket, "/pim/")
    _roundtrip(store)
    head = client.head_object(Bucket=s3_bucket, Key=f"pim/images/ab/{SHA}/small.jpg")
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == CACHE_CONTROL
    assert store.check().startswith(f"s3://{s3_bucket}/pim/ at {s3_endpoint}")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket)["Contents"]]
    assert keys == [f"pim/images/ab/{SHA}/small.jpg"], "the probe object is deleted"


def test_open_image_store_from_the_environment(
    s3_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMOSYNC_IMAGE_STORE", f"s3://{s3_bucket}/shop")
    store = open_image_store()
    assert isinstance(store, S3Store)
    assert (store.bucket, store.prefix) == (s3_bucket, "shop/")
    store.check()
    monkeypatch.setenv("PROMOSYNC_IMAGE_STORE", str(tmp_path / "pics"))
    assert isinstance(open_image_store(), FolderStore)
    with pytest.raises(ValueError, match="s3://bucket/prefix or a folder"):
        open_image_store("ftp://host/x")


def test_s3_check_names_a_missing_bucket(s3_bucket: str) -> None:
    store = open_image_store(f"s3://{s3_bucket}-missing/x")
    with pytest.raises(ImageStoreError, match=f"s3://{s3_bucket}-missing/x/"):
        store.check()
