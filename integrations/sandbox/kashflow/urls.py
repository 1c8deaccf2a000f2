"""KashFlow REST v2 simulator, mounted at ``/sandbox/kashflow/v2/``."""

from django.urls import path, re_path

from integrations.sandbox.kashflow import views

DOCS = r"(?P<resource>invoices|purchases)"

urlpatterns = [
    path("sessiontoken", views.sessiontoken, name="kashflow-sessiontoken"),
    re_path(rf"^{DOCS}/payments$", views.all_payments, name="kashflow-all-payments"),
    re_path(rf"^{DOCS}/(?P<number>[^/]+)/payments$", views.document_payments, name="kashflow-payments"),
    re_path(
        rf"^{DOCS}/(?P<number>[^/]+)/payments/(?P<payment_id>[^/]+)$",
        views.document_payment,
        name="kashflow-payment",
    ),
    path("bankaccounts/<str:code>/transactions", views.bank_transactions, name="kashflow-bank-transactions"),
    path("<str:resource>", views.collection, name="kashflow-collection"),
    path("<str:resource>/<str:key>", views.item, name="kashflow-item"),
    re_path(r"^(?P<path>.*)$", views.not_found_view, name="kashflow-not-found"),
]
