"""What a refused mapping change raises."""

from __future__ import annotations

from collections.abc import Iterable


class MappingError(Exception):
    """A mapping change that cannot be made; ``errors`` lists every reason."""

    def __init__(self, message: str, errors: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        return self.message + ": " + "; ".join(self.errors)


class VersionLocked(MappingError):
    """Published and archived versions are never edited: make a draft."""


class PublishRefused(MappingError):
    """The draft has rules that cannot apply."""
