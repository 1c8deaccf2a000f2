"""The demo's credentials, defined once: the portal login, the sandbox's KashFlow account and AX company, and so
the demo connections the portal uses to reach them. A leaf module: the sandbox's models, seeding and loading code,
the scripts and the tests all read these names.
"""

# The portal login that ``load_demo`` creates (an Integration admin).
PORTAL_USERNAME = "demo"
PORTAL_PASSWORD = "demo-password"

# The KashFlow account in the sandbox, and the demo KashFlow connection's settings.
KASHFLOW_USERNAME = "demo"
KASHFLOW_PASSWORD = "demo-password"
KASHFLOW_MEMORABLE_WORD = "ledgerbridge"

# The AX company in the sandbox, and the demo AX connection's settings.
AX_COMPANY = "DEMO"
AX_SERVICE_USER = "ledgerbridge"
AX_SERVICE_PASSWORD = "ledgerbridge"
