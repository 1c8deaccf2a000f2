from django.urls import include, path

app_name = "integrations"

urlpatterns = [
    path("", include("integrations.urls_connections")),
    path("", include("integrations.urls_flows")),
]
