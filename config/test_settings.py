"""Settings for the test suite: the sandbox is on, passwords hash fast."""

from config.settings import *  # noqa: F403

SANDBOX_ENABLED = True
# The suite runs with DEBUG off (as Django's test runner does), yet drives the sandbox's control API as a
# developer would: open it here only. Tests of the token itself turn this off.
SANDBOX_CONTROL_OPEN = True
WEBHOOK_SECRET = "test-webhook-secret-not-for-production-0123456789"
# The live server and its sandbox run on this machine.
ALLOWED_PRIVATE_HOSTS = ["127.0.0.1", "localhost", "::1", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "workers": 2, "poll": 0.2}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# End-to-end sync tests run a real django-q2 worker (`manage.py qcluster`) in a second process, which must
# see the test database: on SQLite the test database is a file (one per test process), not memory.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import os as _os
    import tempfile as _tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": env(  # noqa: F405
            "TEST_SQLITE_FILE",
            default=_os.path.join(_tempfile.gettempdir(), f"ledgerbridge-test-{_os.getpid()}.sqlite3"),
        )
    }
# The worker and the test process must share a queue of their own (Redis broker) and retry quickly.
Q_CLUSTER["name"] = env("Q_CLUSTER_NAME", default="ledgerbridge-test")  # noqa: F405
SYNC_RETRY = {"attempts": 5, "base": 0.05, "cap": 0.5, "max_retry_after": 2.0}
SYNC_HEARTBEAT_SECONDS = 0.5
# Live-server request threads close their connections after each request, so the test database can be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
