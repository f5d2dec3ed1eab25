"""One JSON POST to a webhook on loopback: its status comes back, an outage raises an error
that never shows the secret path."""

import pytest

from promosync_pipeline.http.webhook import WebhookError, post_json
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
