from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from monitoring.views import alerts, audit, dashboard, exceptions, reconciliation, runs

app_name = "monitoring"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # Browsers ask for /favicon.ico whatever the page says; the icon itself is a static file.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True), name="favicon"),
    path("exceptions/", exceptions.exception_list, name="exception-list"),
    path("exceptions/export.csv", exceptions.exception_export, name="exception-export"),
    path("exceptions/bulk/", exceptions.exception_bulk, name="exception-bulk"),
    path("exceptions/<int:pk>/", exceptions.exception_detail, name="exception-detail"),
    path("exceptions/<int:pk>/row/", exceptions.exception_row, name="exception-row"),
    path("exceptions/<int:pk>/status/", exceptions.exception_status, name="exception-status"),
    path("exceptions/<int:pk>/retry/", exceptions.exception_retry, name="exception-retry"),
    path("exceptions/<int:pk>/edit/", exceptions.exception_edit, name="exception-edit"),
    path("exceptions/<int:pk>/edit-fields/", exceptions.exception_edit_fields, name="exception-edit-fields"),
    path("exceptions/<int:pk>/fix/", exceptions.exception_fix, name="exception-fix"),
    path("exceptions/<int:pk>/ignore/", exceptions.exception_ignore, name="exception-ignore"),
    path("exceptions/<int:pk>/reopen/", exceptions.exception_reopen, name="exception-reopen"),
    path("runs/", runs.run_list, name="run-list"),
    path("runs/find/", runs.find_record, name="run-find"),
    path("runs/<int:pk>/", runs.run_detail, name="run-detail"),
    path("runs/records/<int:pk>/", runs.outcome_detail, name="outcome-detail"),
    path("alerts/", alerts.alert_list, name="alert-list"),
    path("alerts/rules/new/", alerts.alert_rule_form, name="alert-rule-create"),
    path("alerts/rules/<int:pk>/", alerts.alert_rule_form, name="alert-rule-edit"),
    path("alerts/rules/<int:pk>/disable/", alerts.alert_rule_delete, name="alert-rule-disable"),
    path("audit/", audit.audit_list, name="audit-list"),
    path("reconciliation/", reconciliation.reconciliation_page, name="reconciliation"),
]
