"""Product images: verify, optimize and render with Pillow; store under content-addressed keys.

No Dagster here. :mod:`.process` is pure (bytes in, renditions out); :mod:`.stores` writes to a
folder or S3; :mod:`.pipeline` downloads, processes on every core and uploads.
"""
