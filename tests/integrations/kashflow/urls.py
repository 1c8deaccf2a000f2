"""The KashFlow simulator mounted where the sandbox serves it, plus a server that is not KashFlow."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def not_kashflow(request):
    return HttpResponse("<html><body>Welcome to some other server</body></html>", content_type="text/html")


urlpatterns = [
    path("sandbox/kashflow/v2/", include("integrations.sandbox.kashflow.urls")),
    path("elsewhere/sessiontoken", not_kashflow),
]
