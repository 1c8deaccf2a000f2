"""The REST API under /api/v1/: each app contributes its own router."""

from django.urls import include, path

urlpatterns = [
    path("", include("integrations.api.urls")),
    path("", include("mappings.api.urls")),
    path("", include("monitoring.api.urls")),
]
