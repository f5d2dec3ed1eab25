"""One redactor for every URL a message, log line, alert or error shows."""

from __future__ import annotations

import pytest

from promosync_pipeline.redaction import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://u:p4ss@h.test:81/a?b=1", "http://u:***@h.test:81/a?b=1"),
        ("http://u@h.test/a", "http://u@h.test/a"),
        ("http://h.test/a@b", "http://h.test/a@b"),
        ("http://h.test:81/x@y", "http://h.test:81/x@y"),
        ("postgresql+psycopg://user:s3cret@h:5432/db", "postgresql+psycopg://user:***@h:5432/db"),
        ("postgresql://user:p@ss@h/db", "postgresql://user:***@h/db"),
        (
            "postgresql://h/db?sslmode=require&password=s3cret",
            "postgresql://h/db?sslmode=require&password=***",
        ),
        ("sqlite:///tmp/c.sqlite", "sqlite:///tmp/c.sqlite"),
        (
            "not a url://user:s3cret@host/db?password=s3cret",
            "not a url://user:***@host/db?password=***",
        ),
    ],
)
def test_passwords_and_secret_parameters_are_hidden(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_a_secret_path_shows_only_the_origin() -> None:
    """Webhook URLs carry their token in the path."""
    slack = "https://hooks.slack.com/services/T0/B0/s3cret?x=1"
    assert redact_url(slack, secret_path=True) == "https://hooks.slack.com/…"
    assert redact_url("http://u:p@127.0.0.1:8080/hook/token", secret_path=True) == (
        "http://127.0.0.1:8080/…"
    )


def test_errors_of_the_http_client_never_show_the_password() -> None:
    """Regression: FetchError and DisallowedURLError printed the URL with ``user:password@``."""
    from promosync_pipeline.http import FetchError, HostPolicy

    assert "p4ss" not in str(FetchError("http://u:p4ss@h.test/x", "HTTP 404"))
    with pytest.raises(ValueError) as err:
        HostPolicy.for_feed("http://other.test/").check("http://u:p4ss@h.test/x")
    assert "p4ss" not in str(err.value) and "u:***@h.test" in str(err.value)
