"""The mapping pages keep the project's page conventions: styles and scripts in static files, one template
naming scheme, and every HTMX event the views send has a listener (and every listener a sender)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from mappings.views import common

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates" / "mappings"
VIEWS = ROOT / "mappings" / "views"


def _templates() -> dict[str, str]:
    return {str(p.relative_to(TEMPLATES)): p.read_text(encoding="utf-8") for p in TEMPLATES.rglob("*.html")}


def test_no_style_blocks_style_attributes_inline_scripts_or_handlers():
    for name, text in _templates().items():
        assert "<style" not in text, name
        assert not re.search(r"\sstyle=", text), name
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), name  # only <script src=...>
        assert not re.search(r"\son[a-z]+=", text), name  # onclick=, onsubmit=, ...
        assert "hx-on" not in text, name


def test_templates_are_named_noun_view_or_partials_noun_part():
    for name in _templates():
        assert re.fullmatch(r"(partials/)?[a-z]+(_[a-z]+)+\.html", name), name
    pages = {n for n in _templates() if "/" not in n}
    assert pages == {"mapping_list.html", "mapping_detail.html", "mapping_diff.html", "mapping_import.html"}


def test_every_htmx_event_sent_is_listened_for_and_every_listener_has_a_sender():
    views = "\n".join(p.read_text(encoding="utf-8") for p in VIEWS.glob("*.py"))
    sent = set(re.findall(r"trigger_client_event\([^,]+,\s*([A-Z_]+|\"\w+\")", views))
    sent = {getattr(common, s) if not s.startswith('"') else s.strip('"') for s in sent}
    listened = set()
    for text in _templates().values():
        listened |= set(re.findall(r"(\w+) from:body", text))
    assert sent == {"mappingChanged", "sampleChanged"}
    assert listened == sent
