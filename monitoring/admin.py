"""Admin views of the monitoring tables: read-only, so the trail and the queue's history stay as recorded."""

from __future__ import annotations

from django.contrib import admin

from monitoring.models import Alert, AlertRule, AuditEvent, ExceptionAction, ExceptionItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ExceptionActionInline(admin.TabularInline):
    model = ExceptionAction
    extra = 0
    can_delete = False
    readonly_fields = ["action", "user", "note", "details", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExceptionItem)
class ExceptionItemAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "flow",
        "source_key",
        "stage",
        "error_class",
        "error_code",
        "status",
        "attempts",
        "first_seen_at",
    ]
    list_filter = ["status", "stage", "error_class", "flow"]
    search_fields = ["source_key", "error_code"]
    list_select_related = ["flow"]
    show_full_result_count = False
    inlines = [ExceptionActionInline]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["object_type", "action"]
    search_fields = ["object_repr", "object_id", "actor_label"]
    show_full_result_count = False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["fired_at", "rule", "subject_key", "state", "occurrences", "notified_at", "resolved_at"]
    list_filter = ["state", "rule"]


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "flow", "threshold", "window_minutes", "throttle_minutes", "enabled"]
    list_filter = ["kind", "enabled"]
