"""KashFlow's error answers: ``{"Error": <code>, "Message": <text>}`` with the HTTP status of the failure.

Validation failures add ``ValidationErrors``: one ``{"Field", "Message"}`` per refused field (the list is
the sandbox's own precise form; the ``Error``/``Message`` pair is what KashFlow documents).
"""

from __future__ import annotations

from django.http import JsonResponse


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        body: dict = {"Error": self.error, "Message": self.message}
        if self.fields:
            body["ValidationErrors"] = [{"Field": f, "Message": m} for f, m in self.fields.items()]
        response = JsonResponse(body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def invalid(fields: dict[str, str], message: str = "The request is not valid.") -> ApiError:
    return ApiError(400, "ValidationError", message, fields=fields)


def not_found(what: str) -> ApiError:
    return ApiError(404, "NotFound", f"{what} was not found.")


def unauthorized() -> ApiError:
    return ApiError(401, "InvalidSessionToken", "Session token provided is invalid.")
