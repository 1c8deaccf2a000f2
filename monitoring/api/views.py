"""The monitoring REST API: read the queue, runs' lineage, alerts and the audit trail; act on the queue."""

from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.api.permissions import HasRole
from integrations.roles import ACCOUNTANT, INTEGRATION_ADMIN, VIEWER
from monitoring import audit, selectors
from monitoring.api import serializers as s
from monitoring.models import Alert, AlertRule, ExceptionItem
from monitoring.services import actions
from monitoring.services.editing import EditRefused


class ExceptionViewSet(viewsets.ReadOnlyModelViewSet):
    """The exception queue. Filters: tab (open, retrying, resolved), flow, stage, error_class, error_code, age,
    cause, q (source key). Actions need the Accountant role."""

    permission_classes = [HasRole(ACCOUNTANT, read=VIEWER)]

    def get_queryset(self):
        if self.action == "list":
            return selectors.exception_list(selectors.QueueFilters.from_query(self.request.query_params))
        return ExceptionItem.objects.select_related("flow").prefetch_related("actions__user")

    def get_serializer_class(self):
        return s.ExceptionListSerializer if self.action == "list" else s.ExceptionDetailSerializer

    @extend_schema(responses=s.GroupSerializer(many=True))
    @action(detail=False, methods=["get"])
    def groups(self, request: Request) -> Response:
        filters = selectors.QueueFilters.from_query(request.query_params)
        page = self.paginate_queryset(selectors.exception_groups(filters))
        return self.get_paginated_response(s.GroupSerializer(page, many=True).data)

    def _done(self, item: ExceptionItem, code: int = status.HTTP_202_ACCEPTED) -> Response:
        item.refresh_from_db()
        return Response(s.ExceptionListSerializer(item).data, status=code)

    @extend_schema(request=None, responses=s.ExceptionListSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk=None) -> Response:
        item = self.get_object()
        if not actions.request_retry([item], user=request.user):
            return Response({"detail": "Only an open exception can be retried."}, status=status.HTTP_409_CONFLICT)
        return self._done(item)

    @extend_schema(request=s.EditInput, responses=s.ExceptionListSerializer)
    @action(detail=True, methods=["post"])
    def edit(self, request: Request, pk=None) -> Response:
        item = self.get_object()
        data = s.EditInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            actions.edit_and_retry(
                item,
                user=request.user,
                document_text=json.dumps(data.validated_data["document"]) if "document" in data.validated_data else "",
                payload_text=json.dumps(data.validated_data["payload"]) if "payload" in data.validated_data else "",
            )
        except EditRefused as exc:
            return Response({"detail": "The edit was refused.", "reasons": exc.reasons}, status=400)
        except actions.ActionRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return self._done(item)

    @extend_schema(request=s.FixInput, responses={202: dict})
    @action(detail=True, methods=["post"])
    def fix(self, request: Request, pk=None) -> Response:
        item = self.get_object()
        data = s.FixInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            count = actions.apply_value_map_fix(
                item, user=request.user, target_value=data.validated_data["target_value"]
            )
        except actions.ActionRefused as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response({"retried": count}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.IgnoreInput, responses=s.ExceptionListSerializer)
    @action(detail=True, methods=["post"])
    def ignore(self, request: Request, pk=None) -> Response:
        item = self.get_object()
        data = s.IgnoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not actions.ignore([item], user=request.user, reason=data.validated_data["reason"]):
            return Response({"detail": "Only an open exception can be ignored."}, status=status.HTTP_409_CONFLICT)
        return self._done(item, status.HTTP_200_OK)

    @extend_schema(request=s.BulkInput, responses={200: dict, 202: dict})
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        data = s.BulkInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v.get("cause"):
            items = ExceptionItem.objects.filter(fingerprint=v["cause"], status=ExceptionItem.Status.OPEN)
        else:
            items = ExceptionItem.objects.filter(pk__in=v["ids"])
        if v["action"] == "retry":
            return Response({"retried": actions.request_retry(items, user=request.user)}, status=202)
        return Response({"ignored": actions.ignore(items, user=request.user, reason=v["reason"])})


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Alert.objects.select_related("rule").order_by("-fired_at", "-id")
    serializer_class = s.AlertSerializer
    permission_classes = [HasRole(VIEWER)]


class AlertRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Alert rules (Integration admin). Rules are switched off (enabled=false), never deleted."""

    queryset = AlertRule.objects.select_related("flow").order_by("name")
    serializer_class = s.AlertRuleSerializer
    permission_classes = [HasRole(INTEGRATION_ADMIN)]

    def perform_create(self, serializer) -> None:
        rule = serializer.save()
        audit.record(actor=self.request.user, action="created", obj=rule, changes=serializer.data)

    def perform_update(self, serializer) -> None:
        before = s.AlertRuleSerializer(serializer.instance).data
        rule = serializer.save()
        audit.record(actor=self.request.user, action="updated", obj=rule, changes=audit.diff(before, serializer.data))


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, read-only. Filters: object_type, actor, action, q."""

    serializer_class = s.AuditEventSerializer
    permission_classes = [HasRole(VIEWER)]

    def get_queryset(self):
        p = self.request.query_params
        return selectors.audit_events(
            object_type=p.get("object_type", ""), actor=p.get("actor", ""), action=p.get("action", ""), q=p.get("q", "")
        )


class RecordLineageView(APIView):
    """``GET records/?source_key=1042``: where is this record? Its outcome in every run, its links and exceptions."""

    permission_classes = [HasRole(VIEWER)]

    @extend_schema(
        parameters=[OpenApiParameter("source_key", str, required=True), OpenApiParameter("flow", str)],
        responses=s.LineageSerializer,
    )
    def get(self, request: Request) -> Response:
        key = request.query_params.get("source_key", "").strip()
        if not key:
            return Response({"detail": "Give source_key."}, status=400)
        lineage = selectors.find_record(key, flow=request.query_params.get("flow", ""))
        return Response(
            {
                "source_key": lineage.source_key,
                "outcomes": s.OutcomeSerializer(lineage.outcomes, many=True).data,
                "links": s.LinkSerializer(lineage.links, many=True).data,
                "exceptions": s.ExceptionListSerializer(lineage.exceptions, many=True).data,
            }
        )
