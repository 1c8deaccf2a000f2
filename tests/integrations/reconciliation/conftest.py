"""The demo company over real sockets, as the sync tests build it (their fixtures, reused)."""

from tests.integrations.sync.conftest import demo, worker  # noqa: F401
