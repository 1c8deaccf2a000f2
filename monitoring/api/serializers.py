from __future__ import annotations

from rest_framework import serializers

from integrations.models import RecordLink, RecordOutcome
from monitoring.models import Alert, AlertRule, AuditEvent, ExceptionAction, ExceptionItem


class ExceptionListSerializer(serializers.ModelSerializer):
    flow = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ExceptionItem
        fields = [
            "id",
            "flow",
            "source_key",
            "stage",
            "error_class",
            "error_code",
            "message",
            "fingerprint",
            "status",
            "attempts",
            "first_seen_at",
            "last_seen_at",
            "resolved_at",
            "resolution_note",
            "summary",
            "party",
            "document_date",
            "amount",
            "currency",
        ]


class ExceptionActionSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ExceptionAction
        fields = ["action", "user", "note", "details", "created_at"]


class ExceptionDetailSerializer(ExceptionListSerializer):
    history = ExceptionActionSerializer(source="actions", many=True, read_only=True)

    class Meta(ExceptionListSerializer.Meta):
        fields = [
            *ExceptionListSerializer.Meta.fields,
            "run",
            "resolved_by_run",
            "source_payload",
            "mapped_document",
            "suggested_fix",
            "history",
        ]


class GroupSerializer(serializers.Serializer):
    fingerprint = serializers.CharField()
    flow = serializers.CharField(source="flow__slug")
    stage = serializers.CharField()
    error_class = serializers.CharField()
    error_code = serializers.CharField()
    count = serializers.IntegerField()
    oldest = serializers.DateTimeField()
    newest = serializers.DateTimeField()
    example = serializers.CharField()


class EditInput(serializers.Serializer):
    document = serializers.JSONField(required=False)
    payload = serializers.JSONField(required=False)

    def validate(self, data: dict) -> dict:
        if ("document" in data) == ("payload" in data):
            raise serializers.ValidationError("Send either the edited document or the edited payload.")
        return data


class FixInput(serializers.Serializer):
    target_value = serializers.CharField(max_length=100)


class IgnoreInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=False)


class BulkInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["retry", "ignore"])
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=5000)
    cause = serializers.CharField(required=False, max_length=64)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, data: dict) -> dict:
        if not data.get("ids") and not data.get("cause"):
            raise serializers.ValidationError("Give ids or a cause.")
        if data["action"] == "ignore" and not (data.get("reason") or "").strip():
            raise serializers.ValidationError({"reason": "A reason is required to ignore."})
        return data


class AlertRuleSerializer(serializers.ModelSerializer):
    webhook_url = serializers.URLField(
        write_only=True, required=False, allow_blank=True, help_text="Write-only; blank removes it."
    )
    webhook = serializers.CharField(source="masked_webhook_url", read_only=True, help_text="Scheme and host only.")

    def validate_webhook_url(self, value: str) -> str:
        from integrations.destinations import UnsafeDestination, check_destination

        if value:
            try:
                check_destination(value)
            except UnsafeDestination as exc:
                raise serializers.ValidationError(str(exc)) from None
        return value

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "name",
            "kind",
            "flow",
            "threshold",
            "window_minutes",
            "emails",
            "webhook_url",
            "webhook",
            "throttle_minutes",
            "enabled",
        ]


class AlertSerializer(serializers.ModelSerializer):
    rule = serializers.StringRelatedField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "subject_key",
            "state",
            "message",
            "occurrences",
            "fired_at",
            "resolved_at",
            "notified_at",
            "recovery_notified_at",
            "suppressed",
            "deliveries",
        ]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "actor_label", "action", "object_type", "object_id", "object_repr", "changes", "created_at"]


class OutcomeSerializer(serializers.ModelSerializer):
    # The flow whose record it is (a prerequisite synced in another flow's run names its own), and the run's.
    flow = serializers.SerializerMethodField()
    run_flow = serializers.CharField(source="run.flow.slug")

    def get_flow(self, outcome: RecordOutcome) -> str:
        return outcome.flow.slug if outcome.flow_id else outcome.run.flow.slug

    class Meta:
        model = RecordOutcome
        fields = [
            "id",
            "run",
            "flow",
            "run_flow",
            "source_key",
            "action",
            "target_key",
            "message_id",
            "attempts",
            "duration_ms",
            "stage",
            "error",
            "created_at",
        ]


class LinkSerializer(serializers.ModelSerializer):
    flow = serializers.CharField(source="flow.slug")

    class Meta:
        model = RecordLink
        fields = ["flow", "source_key", "target_key", "mapping_version", "synced_at"]


class LineageSerializer(serializers.Serializer):
    source_key = serializers.CharField()
    outcomes = OutcomeSerializer(many=True)
    links = LinkSerializer(many=True)
    exceptions = ExceptionListSerializer(many=True)
