"""Mounts the AIF simulator where the portal serves it (so these tests do not depend on other URL modules), plus
two impostors for the connector's error tests: a web page where AX should be, and a server that serves a real WSDL
but answers calls with HTML."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from integrations.sandbox.ax.wsdl import service_wsdl


def web_page(request: HttpRequest, rest: str = "") -> HttpResponse:
    return HttpResponse("<html><body><h1>Welcome to our intranet</h1></body></html>", content_type="text/html")


@csrf_exempt
def html_instead_of_soap(request: HttpRequest, service: str) -> HttpResponse:
    if request.method == "GET":
        return HttpResponse(service_wsdl(service, request.build_absolute_uri(request.path)), content_type="text/xml")
    return HttpResponse("<html><body>Maintenance</body></html>", content_type="text/html")


urlpatterns = [
    path("sandbox/ax/", include("integrations.sandbox.ax.urls")),
    path("intranet/<path:rest>", web_page),
    path("impostor/MicrosoftDynamicsAXAif60/<str:service>/xppservice.svc", html_instead_of_soap),
]
