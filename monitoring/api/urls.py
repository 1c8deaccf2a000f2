from django.urls import path
from rest_framework.routers import DefaultRouter

from monitoring.api.views import AlertRuleViewSet, AlertViewSet, AuditEventViewSet, ExceptionViewSet, RecordLineageView

router = DefaultRouter(trailing_slash=True)
router.register("exceptions", ExceptionViewSet, basename="api-exception")
router.register("alerts", AlertViewSet, basename="api-alert")
router.register("alert-rules", AlertRuleViewSet, basename="api-alert-rule")
router.register("audit-events", AuditEventViewSet, basename="api-audit-event")

urlpatterns = [path("records/", RecordLineageView.as_view(), name="api-record-lineage"), *router.urls]
