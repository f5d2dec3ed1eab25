"""The browser tests' helpers: ``dg dev`` on a temporary instance, Chromium and screenshots,
what a user does in the UI, the feed they break on purpose."""
