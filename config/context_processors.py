from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    return {"SANDBOX_ENABLED": settings.SANDBOX_ENABLED}
