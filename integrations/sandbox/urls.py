"""The sandbox under ``/sandbox/``: the KashFlow REST simulator, the AX AIF simulator and the control API.

Everything here answers 404 while ``settings.SANDBOX_ENABLED`` is off: the check runs on every request, so
overriding the setting (tests, a deploy) takes effect at once.
"""

from django.conf import settings
from django.urls import Resolver404, URLResolver, include, path
from django.urls.resolvers import RoutePattern

from integrations.sandbox import pages, views

app_name = "sandbox"


class SandboxResolver(URLResolver):
    def resolve(self, path: str):
        if not settings.SANDBOX_ENABLED:
            raise Resolver404({"path": path, "tried": []})
        return super().resolve(path)


control_patterns = [
    path("", views.index, name="control-index"),
    path("reset", views.reset, name="control-reset"),
    path("reseed", views.reseed, name="control-reseed"),
    path("state/<str:system>", views.system_state, name="control-state"),
    path("state/<str:system>/<str:entity>", views.entity_state, name="control-state-entity"),
    path("ax/messages", views.ax_messages, name="control-ax-messages"),
    path("ax/post", views.ax_post, name="control-ax-post"),
    path("faults", views.faults, name="control-faults"),
    path("faults/clear", views.clear_faults, name="control-faults-clear"),
    path("faults/<int:pk>", views.fault, name="control-fault"),
    path("kashflow/expire-sessions", views.expire_kashflow_sessions, name="control-kashflow-expire-sessions"),
    path("webhook", views.webhook, name="control-webhook"),
]

sandbox_patterns = [
    path("kashflow/v2/", include("integrations.sandbox.kashflow.urls")),
    path("ax/", include("integrations.sandbox.ax.urls")),
    path("control/", include(control_patterns)),
    # HTML pages behind the portal login: AX's drafts and the accountant's posting button
    path("ax-drafts/", pages.ax_drafts, name="ax-drafts"),
    path("ax-drafts/post", pages.ax_drafts_post, name="ax-drafts-post"),
]

urlpatterns = [SandboxResolver(RoutePattern(""), sandbox_patterns)]
