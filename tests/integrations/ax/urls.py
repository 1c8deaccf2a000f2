"""Mounts the AIF simulator where the portal serves it (so these tests do not depend on other URL modules), plus
two impostors for the connector's error tests: a web page where AX should be, and a server that serves a real WSDL
but answers calls with HTML."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from integrations.sandbox.ax import ports
from integrations.sandbox.ax.wsdl import layout, port_file


def web_page(request: HttpRequest, rest: str = "") -> HttpResponse:
    return HttpResponse("<html><body><h1>Welcome to our intranet</h1></body></html>", content_type="text/html")


@csrf_exempt
def html_instead_of_soap(request: HttpRequest, port: str) -> HttpResponse:
    if request.method == "GET":
        address = request.build_absolute_uri(request.path)
        port_layout = layout(ports.get(ports.DEFAULT_PORT).services)
        kind, number = "wsdl", -1
        for name in ("wsdl", "xsd"):
            value = request.GET.get(name) or ""
            if value.startswith(name):
                kind, number = name, int(value[len(name) :])
        return HttpResponse(port_file(kind, number, address, port_layout), content_type="text/xml")
    return HttpResponse("<html><body>Maintenance</body></html>", content_type="text/html")


def evil_wsdl(request: HttpRequest, rest: str = "") -> HttpResponse:
    """A port WSDL that imports a local file."""
    return HttpResponse(
        '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" targetNamespace="http://tempuri.org/">'
        '<wsdl:import namespace="http://schemas.microsoft.com/dynamics/2008/01/services" location="file:///etc/passwd"/>'
        "</wsdl:definitions>",
        content_type="text/xml",
    )


urlpatterns = [
    path("evil/<path:rest>", evil_wsdl),
    path("sandbox/ax/", include("integrations.sandbox.ax.urls")),
    path("intranet/<path:rest>", web_page),
    path("impostor/MicrosoftDynamicsAXAif60/<str:port>/xppservice.svc", html_instead_of_soap),
]
