"""Both simulators where the portal serves them, the webhook and the flow pages, independent of other URL modules."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("sandbox/kashflow/v2/", include("integrations.sandbox.kashflow.urls")),
    path("sandbox/ax/", include("integrations.sandbox.ax.urls")),
    path("", include("integrations.urls_flows")),
]
