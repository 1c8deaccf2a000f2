"""Flows over the API: read them (Viewer), change settings and start runs (Integration admin)."""

from __future__ import annotations

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.permissions import HasRole
from integrations.flow_forms import FlowSettingsForm
from integrations.models import Flow, SyncRun
from integrations.roles import INTEGRATION_ADMIN, VIEWER
from integrations.sync import schedules
from integrations.sync.runs import FlowBusy, resume_flow, start_run


class SyncRunSerializer(serializers.ModelSerializer):
    flow = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    duration_seconds = serializers.FloatField(read_only=True)

    class Meta:
        model = SyncRun
        fields = [
            "id", "flow", "status", "trigger", "full", "dry_run", "mapping_version", "total", "processed",
            "read_count", "created_count", "updated_count", "skipped_count", "failed_count", "error",
            "queued_at", "started_at", "finished_at", "heartbeat_at", "duration_seconds",
        ]  # fmt: skip
        read_only_fields = fields


class FlowSerializer(serializers.ModelSerializer):
    pair = serializers.StringRelatedField()
    # The version runs really use: the published one of the flow's mapping.
    mapping_version = serializers.IntegerField(source="published_mapping_set.version", read_only=True, default=None)

    class Meta:
        model = Flow
        fields = [
            "id", "name", "slug", "pair", "entity", "direction", "trigger", "schedule_minutes", "mapping_set",
            "mapping_version", "batch_size", "enabled", "watermark", "paused_until", "pause_reason",
            "batched_writes", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "name", "slug", "pair", "entity", "direction", "watermark", "paused_until", "pause_reason",
            "created_at", "updated_at",
        ]  # fmt: skip

    def validate(self, attrs: dict) -> dict:
        instance = self.instance
        data = {name: getattr(instance, name) for name in schedules.EDITABLE}
        data.update(attrs)
        form_data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
        for flag in ("enabled", "batched_writes"):
            form_data[flag] = "on" if form_data.get(flag) else ""
        form = FlowSettingsForm(
            {k: ("" if v is None else v) for k, v in form_data.items()}, instance=Flow.objects.get(pk=instance.pk)
        )
        if not form.is_valid():
            raise serializers.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
        if "mapping_set" in attrs:
            # As the form reads it: the published version of the chosen mapping, and never unlinked.
            attrs["mapping_set"] = form.cleaned_data["mapping_set"]
        return attrs

    def update(self, instance: Flow, validated_data: dict) -> Flow:
        return schedules.update_flow(instance, actor=self.context["request"].user, **validated_data)


class RunRequestSerializer(serializers.Serializer):
    full = serializers.BooleanField(default=False)
    dry_run = serializers.BooleanField(default=False)


class FlowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Flows. ``POST flows/{slug}/run/`` queues a run (409 while one is active); ``GET .../runs/`` lists runs."""

    queryset = Flow.objects.select_related("pair", "mapping_set").order_by("name")
    serializer_class = FlowSerializer
    permission_classes = [HasRole(INTEGRATION_ADMIN, read=VIEWER)]
    lookup_field = "slug"

    @action(detail=True, methods=["post"], serializer_class=RunRequestSerializer)
    def run(self, request: Request, slug: str | None = None) -> Response:
        flow = self.get_object()
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = start_run(
                flow, full=body.validated_data["full"], dry_run=body.validated_data["dry_run"], user=request.user
            )
        except FlowBusy as exc:
            data = SyncRunSerializer(exc.run).data if exc.run else None
            return Response({"detail": "A run of this flow is already active.", "run": data}, status=409)
        except Exception as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"], serializer_class=serializers.Serializer)
    def resume(self, request: Request, slug: str | None = None) -> Response:
        flow = self.get_object()
        resume_flow(flow, user=request.user)
        return Response(FlowSerializer(flow).data)

    @action(detail=True, methods=["get"], serializer_class=SyncRunSerializer)
    def runs(self, request: Request, slug: str | None = None) -> Response:
        flow = self.get_object()
        page = self.paginate_queryset(flow.runs.select_related("flow").order_by("-queued_at"))
        return self.get_paginated_response(SyncRunSerializer(page, many=True).data)


class SyncRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Runs with their counters and heartbeat (poll ``sync-runs/{id}/`` to follow one)."""

    queryset = SyncRun.objects.select_related("flow").order_by("-queued_at")
    serializer_class = SyncRunSerializer
    permission_classes = [HasRole(VIEWER)]

    def get_queryset(self):
        queryset = super().get_queryset()
        flow = self.request.query_params.get("flow")
        return queryset.filter(flow__slug=flow) if flow else queryset
