"""The starter mapping of every flow (the mapping list's "templates"), kept as export documents in
``mappings/template_data/*.json``.

``install_templates`` is idempotent: a mapping that already has any version is left alone (a
person may have changed it); the others are imported and published as version 1.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from mappings import reference
from mappings.models import MappingSet
from mappings.services.transfer import import_mapping

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "template_data"


def template_documents() -> dict[str, dict]:
    """{key: export document} of every shipped template."""
    documents = {}
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["key"]] = document
    return documents


def install_templates(*, actor=None, keys: list[str] | None = None) -> list[MappingSet]:
    """Publish v1 of every template whose mapping does not exist yet; return the published version of each."""
    installed = []
    if not transaction.get_connection().in_atomic_block:
        reference.warm()  # each publish below checks against AX inside its own transaction
    for key, document in template_documents().items():
        if keys is not None and key not in keys:
            continue
        with transaction.atomic():
            if not MappingSet.objects.filter(key=key).exists():
                import_mapping(document, actor=actor, publish=True)
        published = MappingSet.objects.filter(key=key, status=MappingSet.Status.PUBLISHED).first()
        if published:
            installed.append(published)
    return installed
