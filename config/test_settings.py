"""Settings for the test suite: the sandbox is on, passwords hash fast."""

from config.settings import *  # noqa: F403

SANDBOX_ENABLED = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "workers": 2, "poll": 0.2}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
