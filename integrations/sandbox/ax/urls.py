"""The AIF HTTP endpoint of the simulated AX: one URL per inbound port, named by the AX administrator."""

from django.urls import path

from integrations.sandbox.ax import views

urlpatterns = [
    path("MicrosoftDynamicsAXAif60/<str:port>/xppservice.svc", views.service_endpoint, name="ax-service"),
]
