"""The simulator's ways to serve bad input: poisoned files, extra index lines, a replaced index,
and its request log."""

import httpx
import pytest

from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline.promidata import parse_index


def test_poisoned_family_serves_the_bytes_and_the_index_follows(feed):
    generator = feed.generator
    sku = generator.all_skus()[0]
    before = generator.file_hash(sku)
    generator.poison(sku, b"<html>oops</html>", content_type="text/html")
    with httpx.Client(timeout=10) as client:
        entries = {e.sku: e for e in parse_index(client.get(feed.index_url).content).entries}
        response = client.get(entries[sku].url)
    assert response.content == b"<html>oops</html>"
    assert response.headers["content-type"] == "text/html"
    assert entries[sku].hash == generator.file_hash(sku) != before
    generator.cure([sku])
    assert generator.file_hash(sku) == before and generator.poisoned() == {}


def test_extra_file_with_any_name_is_listed_and_served(feed):
    generator = feed.generator
    sku = "A7'; DROP TABLE products;--/../x-1"
    generator.poison(sku, b"{}", code="A7'; DROP")
    assert generator.extra_files() == {sku: "A7'; DROP"}
    assert sku not in generator.all_skus()
    with httpx.Client(timeout=10) as client:
        lines = client.get(feed.index_url).text.splitlines()
        url = next(line for line in lines if "DROP" in line).split("|")[0]
        assert "%2F" in url and "'" not in url
        assert client.get(url).content == b"{}"


def test_extra_index_lines_and_replaced_index(feed):
    generator = feed.generator
    generator.add_index_lines(["garbage", "{products}/A1/A1-1.json|" + "0" * 40])
    with httpx.Client(timeout=10) as client:
        text = client.get(feed.index_url).text
        assert "\r\ngarbage\n" not in text and text.rstrip().endswith("|" + "0" * 40)
        assert f"{feed.origin}/Products/A1/A1-1.json|" in text
        generator.replace_index(b"")
        assert client.get(feed.index_url).content == b""
        generator.replace_index(None)
        assert client.get(feed.index_url).content.startswith(b"\xef\xbb\xbf")


def test_request_log_records_time_path_and_status(feed):
    with httpx.Client(timeout=10) as client:
        client.get(feed.index_url)
        client.get(f"{feed.origin}/nothing")
    (at1, path1, status1), (at2, path2, status2) = feed.stats.log
    assert (path1, status1, path2, status2) == (
        feed.index_url[len(feed.origin) :],
        200,
        "/nothing",
        404,
    )
    assert at2 >= at1
    feed.stats.reset()
    assert not feed.stats.log


def test_image_faults_serve_other_formats_and_content_types(feed):
    sku = feed.generator.all_skus()[0]
    url = feed.generator.family(sku).variants[0].images[0].url
    path = "/" + url.split("/", 3)[3]
    feed.set_faults(
        [
            parse_fault(f"other_format:format=bmp,path={path},times=1"),
            parse_fault(f"other_format:format=svg,path={path},times=1"),
            parse_fault(f"content_type:value=text/html,path={path}"),
        ]
    )
    with httpx.Client(timeout=10) as client:
        bmp, svg, retyped = (client.get(url) for _ in range(3))
    assert bmp.content.startswith(b"BM") and bmp.headers["content-type"] == "image/bmp"
    assert svg.content.startswith(b"<svg") and svg.headers["content-type"] == "image/svg+xml"
    assert retyped.content.startswith(b"\xff\xd8\xff"), "the JPEG itself"
    assert retyped.headers["content-type"] == "text/html"
    with pytest.raises(ValueError, match="unknown format 'psd'"):
        parse_fault("other_format:format=psd")
