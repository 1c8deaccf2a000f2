"""REST API for mapping sets: read every version; edit drafts, publish, restore, import and export.

Viewers read; every write needs the Accountant role. Writes call the same services as the designer.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.roles import ACCOUNTANT, VIEWER, has_role
from mappings import services
from mappings.api.serializers import (
    MappingSetDetailSerializer,
    MappingSetSerializer,
    RestoreInputSerializer,
    RuleInputSerializer,
    ValueMapEntryInputSerializer,
)
from mappings.models import MappingSet
from mappings.services import transfer


class MappingRoles(BasePermission):
    """Viewers read, Accountants write."""

    message = "This needs the Accountant role."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return has_role(user, VIEWER if request.method in SAFE_METHODS else ACCOUNTANT)


def _refused(exc: services.MappingError) -> ValidationError:
    return ValidationError({"detail": exc.message, "errors": exc.errors})


class MappingSetViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [MappingRoles]

    def get_queryset(self):
        qs = MappingSet.objects.select_related("published_by", "created_by")
        for name in ("key", "status", "source_system", "source_entity", "target_system", "target_entity"):
            value = self.request.query_params.get(name)
            if value:
                qs = qs.filter(**{name: value})
        if self.action == "retrieve":
            qs = qs.prefetch_related("rules", "value_maps__entries", "dimension_rules")
        return qs

    def get_serializer_class(self):
        return MappingSetDetailSerializer if self.action == "retrieve" else MappingSetSerializer

    def _respond(self, mapping_set: MappingSet, code: int = status.HTTP_200_OK) -> Response:
        return Response(MappingSetDetailSerializer(mapping_set).data, status=code)

    @extend_schema(request=None, responses=MappingSetDetailSerializer)
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk=None) -> Response:
        """The draft of this mapping (created from this version when there is none)."""
        return self._respond(services.get_or_create_draft(self.get_object(), actor=request.user))

    @extend_schema(request=RuleInputSerializer, responses=MappingSetDetailSerializer)
    @action(detail=True, methods=["post"])
    def rules(self, request: Request, pk=None) -> Response:
        """Create, change or (empty source, default and transforms) remove the rule of one target field."""
        data = RuleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mapping_set = self.get_object()
        try:
            services.save_rule(mapping_set, actor=request.user, **data.validated_data)
        except services.MappingError as exc:
            raise _refused(exc) from None
        return self._respond(mapping_set)

    @extend_schema(request=ValueMapEntryInputSerializer, responses=MappingSetDetailSerializer)
    @action(detail=True, methods=["post"], url_path="value-map-entries")
    def value_map_entries(self, request: Request, pk=None) -> Response:
        data = ValueMapEntryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mapping_set = self.get_object()
        try:
            services.save_value_map_entry(mapping_set, actor=request.user, **data.validated_data)
        except services.MappingError as exc:
            raise _refused(exc) from None
        return self._respond(mapping_set)

    @extend_schema(request=None, responses=MappingSetDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk=None) -> Response:
        try:
            return self._respond(services.publish(self.get_object(), actor=request.user))
        except services.MappingError as exc:
            raise _refused(exc) from None

    @extend_schema(request=RestoreInputSerializer, responses=MappingSetDetailSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk=None) -> Response:
        """Copy this version into a new draft, or (publish=true) publish the copy at once."""
        data = RestoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            restored = services.restore_version(
                self.get_object(), actor=request.user, publish_now=data.validated_data["publish"]
            )
        except services.MappingError as exc:
            raise _refused(exc) from None
        return self._respond(restored, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=dict)
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk=None) -> Response:
        return Response(transfer.export_mapping(self.get_object()))

    @extend_schema(request=dict, responses=MappingSetDetailSerializer)
    @action(detail=False, methods=["post"], url_path="import")
    def import_(self, request: Request) -> Response:
        """Import an export document as the new draft; ``?publish=true`` publishes it at once."""
        publish = request.query_params.get("publish", "").lower() in ("1", "true", "yes")
        try:
            mapping_set = transfer.import_mapping(request.data, actor=request.user, publish=publish)
        except services.MappingError as exc:
            raise _refused(exc) from None
        return self._respond(mapping_set, status.HTTP_201_CREATED)
