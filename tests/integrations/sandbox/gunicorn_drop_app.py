"""A bare WSGI app for the gunicorn drop-connection test: /drop drops its own connection, / answers ok."""

import os
from types import SimpleNamespace

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()

from integrations.sandbox.faults import drop_connection  # noqa: E402


def app(environ, start_response):
    if environ["PATH_INFO"] == "/drop":
        drop_connection(SimpleNamespace(META=environ, path=environ["PATH_INFO"]))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
