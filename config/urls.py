from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

# Swagger UI and Redoc build their styles at run time (style elements and attributes): only their two pages
# allow inline styles; every portal page runs without.
_inline_styles = csp_update({"style-src": ["'unsafe-inline'"]})
api_docs = _inline_styles(login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")))
api_redoc = _inline_styles(login_required(SpectacularRedocView.as_view(url_name="api-schema")))

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # API docs behind login; the split view serves Swagger UI's start-up script as a file (no inline script).
    path("api/v1/docs/", api_docs, name="api-docs"),
    path("api/v1/redoc/", api_redoc, name="api-redoc"),
    path("api/v1/", include("config.api_urls")),
    path("sandbox/", include("integrations.sandbox.urls")),
    path("", include("accounts.urls")),
    path("mappings/", include("mappings.urls")),
    path("bank-rules/", include("mappings.banking.urls")),
    path("reference-data/", include("mappings.refdata.urls")),
    path("", include("monitoring.urls")),
    path("", include("integrations.urls")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
