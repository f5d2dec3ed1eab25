"""One JSON POST to a webhook on loopback: its status comes back, an outage raises an error
that never shows the secret path."""

import pytest

from promosync_pipeline.http.webhook import WebhookError, check_webhook_url, post_json
from promosync_pipeline_tests.support.ports import free_port


def test_the_body_arrives_as_json_and_the_status_comes_back(webhook):
    assert post_json(webhook.url, {"text": "hello"}, timeout_s=5) == 200
    webhook.status = 503
    assert post_json(webhook.url, {"text": "again"}, timeout_s=5) == 503
    assert webhook.take() == ["hello"]
    assert webhook.attempts == 2


def test_an_unreachable_webhook_raises_without_its_secret_path():
    url = f"http://127.0.0.1:{free_port()}/services/T000/B000/s3cr3t-token"
    with pytest.raises(WebhookError, match="ConnectError") as raised:
        post_json(url, {"text": "lost"}, timeout_s=2)
    assert "s3cr3t" not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://hooks.example.test/x", "hooks.example.test/T0/secret", "http://"],
)
def test_only_an_http_url_with_a_host_is_a_webhook(url, webhook):
    with pytest.raises(WebhookError, match="must be an http") as raised:
        post_json(url, {"text": "never sent"}, timeout_s=2)
    assert "secret" not in str(raised.value) and "passwd" not in str(raised.value)
    check_webhook_url(webhook.url)  # the receiver's own URL is one
    assert webhook.attempts == 0
