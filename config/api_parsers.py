"""The API's JSON parser: DRF's, reading through ``json_guard`` so a hostile body is a 400 listing why."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from config import json_guard


class GuardedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError({"detail": "The body is not readable JSON.", "problems": ["not UTF-8 text"]}) from None
        value, problems = json_guard.loads(text)
        if problems:
            raise ParseError({"detail": "The body is not acceptable JSON.", "problems": problems})
        return value
