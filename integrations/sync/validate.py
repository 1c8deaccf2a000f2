"""Validate: checks on a mapped document that we can make before the target sees it (per flow: ``check``)."""

from __future__ import annotations


def validate(ctx, document: dict) -> None:
    """The flow's own checks (its ``check`` hook) on the mapped document."""
    if ctx.spec.check is not None:
        ctx.spec.check(document)
