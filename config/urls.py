from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("config.api_urls")),
    path("sandbox/", include("integrations.sandbox.urls")),
    path("mappings/", include("mappings.urls")),
    path("bank-rules/", include("mappings.banking.urls")),
    path("reference-data/", include("mappings.refdata.urls")),
    path("", include("monitoring.urls")),
    path("", include("integrations.urls")),
]
