"""REST API for connections and integration pairs. Secrets are write-only; writes go through the services."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.permissions import HasRole
from integrations.models import Connection, IntegrationPair
from integrations.models.connections import System
from integrations.roles import INTEGRATION_ADMIN
from integrations.services import connections as services


def _drf_error(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class ConnectionSerializer(serializers.ModelSerializer):
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        write_only=True,
        required=False,
        help_text="Secret config fields (write-only). A blank value keeps the stored secret.",
    )
    secrets_set = serializers.SerializerMethodField(help_text="Names of the secret fields that hold a value.")
    system = serializers.ChoiceField(choices=System.choices)
    base_url = serializers.CharField(max_length=300)
    settings = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)

    class Meta:
        model = Connection
        fields = [
            "id",
            "name",
            "system",
            "base_url",
            "company",
            "settings",
            "credentials",
            "secrets_set",
            "rate_limit_per_minute",
            "timeout_seconds",
            "allow_insecure_http",
            "last_tested_at",
            "last_test_ok",
            "last_test_message",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_tested_at", "last_test_ok", "last_test_message", "created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}}  # uniqueness is checked by the service's full_clean

    def get_secrets_set(self, obj: Connection) -> list[str]:
        return sorted(services.secrets_set(obj))

    def validate_system(self, value: str) -> str:
        if self.instance is not None and value != self.instance.system:
            raise ValidationError("The system of a connection cannot change; add a new connection instead.")
        return value


class ConnectionViewSet(viewsets.ModelViewSet):
    queryset = Connection.objects.all()
    serializer_class = ConnectionSerializer
    permission_classes = [HasRole(INTEGRATION_ADMIN)]

    def perform_create(self, serializer: ConnectionSerializer) -> None:
        try:
            serializer.instance = services.create_connection(actor=self.request.user, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def perform_update(self, serializer: ConnectionSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("system", None)
        try:
            serializer.instance = services.update_connection(
                connection=serializer.instance, actor=self.request.user, **data
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def perform_destroy(self, instance: Connection) -> None:
        try:
            services.delete_connection(connection=instance, actor=self.request.user)
        except (DjangoValidationError, ProtectedError) as exc:
            raise _drf_error(exc if isinstance(exc, DjangoValidationError) else DjangoValidationError(str(exc)))

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "ConnectionTestResult", {"ok": serializers.BooleanField(), "message": serializers.CharField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Log in to the remote system and make one cheap read."""
        result = services.test_connection(self.get_object())
        return Response({"ok": result.ok, "message": result.message}, status=status.HTTP_200_OK)


class IntegrationPairSerializer(serializers.ModelSerializer):
    kashflow = serializers.PrimaryKeyRelatedField(queryset=Connection.objects.filter(system=System.KASHFLOW))
    dynamics_ax = serializers.PrimaryKeyRelatedField(queryset=Connection.objects.filter(system=System.DYNAMICS_AX))

    class Meta:
        model = IntegrationPair
        fields = ["id", "name", "kashflow", "dynamics_ax", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"name": {"validators": []}}


class IntegrationPairViewSet(viewsets.ModelViewSet):
    queryset = IntegrationPair.objects.select_related("kashflow", "dynamics_ax")
    serializer_class = IntegrationPairSerializer
    permission_classes = [HasRole(INTEGRATION_ADMIN)]
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer: IntegrationPairSerializer) -> None:
        try:
            serializer.instance = services.create_pair(actor=self.request.user, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
