from django.urls import path

from integrations.views import flows as views
from integrations.views.webhooks import kashflow_webhook

urlpatterns = [
    path("flows/", views.flow_list, name="flow-list"),
    path("flows/runs/<int:pk>/progress/", views.run_progress, name="flow-run-progress"),
    path("flows/<slug:slug>/", views.flow_detail, name="flow-detail"),
    path("flows/<slug:slug>/settings/", views.flow_settings, name="flow-settings"),
    path("flows/<slug:slug>/run/", views.flow_run, name="flow-run"),
    path("flows/<slug:slug>/resume/", views.flow_resume, name="flow-resume"),
    path("webhooks/kashflow/", kashflow_webhook, name="webhook-kashflow"),
]
