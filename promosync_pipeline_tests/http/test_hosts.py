"""Which URLs the client may fetch."""

import pytest

from promosync_pipeline.http import DisallowedURLError, HostPolicy

INDEX = "http://127.0.0.1:8765/Profiles/Live/x/Import/Import.txt"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/Products/A1/A1-1.json",
        "HTTP://127.0.0.1:8765/x.jpg",
        "https://cdn.test/Images/a.jpg",
        "https://CDN.test:8443/Images/a.jpg",
        "http://images.test:80/a.png",
    ],
)
def test_index_origin_and_listed_hosts_are_allowed(url):
    HostPolicy.for_feed(INDEX, "cdn.test, images.test:80").check(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9999/a.json", "host 127.0.0.1:9999 is not in the allowed hosts"),
        ("http://127.0.0.2:8765/a.json", "host 127.0.0.2:8765"),
        ("http://localhost:8765/a.json", "host localhost:8765"),
        ("http://images.test:8080/a.png", "host images.test:8080"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("ftp://cdn.test/a.jpg", "scheme 'ftp'"),
        ("gopher://cdn.test/a", "scheme 'gopher'"),
        ("//cdn.test/a.jpg", r"scheme '\(none\)'"),
        ("http:///a.jpg", "no host"),
        ("http://cdn.test:99999999/a.jpg", "bad port"),
        ("http://evil.test@127.0.0.2:8765/a.json", "host 127.0.0.2:8765"),
    ],
)
def test_other_hosts_ports_and_schemes_are_refused(url, reason):
    policy = HostPolicy.for_feed(INDEX, "cdn.test,images.test:80")
    with pytest.raises(DisallowedURLError, match=reason):
        policy.check(url)
    assert not policy.allows(url)


def test_empty_extra_hosts_allow_only_the_index_origin():
    policy = HostPolicy.for_feed(INDEX, "")
    assert policy.allows("http://127.0.0.1:8765/any")
    assert not policy.allows("http://127.0.0.1:80/any")
