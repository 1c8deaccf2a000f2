"""The AIF inbound port of the simulated AX: one service per URL, as AX's HTTP adapter publishes them."""

from django.urls import path

from integrations.sandbox.ax import views

urlpatterns = [
    path("MicrosoftDynamicsAXAif60/<str:service>/xppservice.svc", views.service_endpoint, name="ax-service"),
]
