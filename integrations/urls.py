from django.urls import include, path

urlpatterns = [
    path("", include("integrations.urls_connections")),
    path("", include("integrations.urls_flows")),
]
