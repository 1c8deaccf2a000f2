"""A URL conf for the drop-connection tests: one view that drops its own connection."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from integrations.sandbox.faults import drop_connection


@csrf_exempt
def drop(request: HttpRequest) -> HttpResponse:
    request.body  # a write reads its body first, as the simulators do
    drop_connection(request)
    return HttpResponse("should never arrive")


def fine(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("drop", drop), path("fine", fine)]
