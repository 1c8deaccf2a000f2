"""KashFlow REST v2 simulator, mounted at ``/sandbox/kashflow/v2/``.

Paths follow KashFlow's Swagger operation list (GitHub ``CappyTech/hcs-sync`` ``docs/API-Swagger.md``): payments
only through ``/{invoices|purchases}/bulk/payments``, single products at ``/products/{nominalCode}/{code}``,
bank transactions under the bank account's numeric ``Id``.
"""

from django.urls import path, re_path

from integrations.sandbox.kashflow import views

DOCS = r"(?P<resource>invoices|purchases)"

urlpatterns = [
    path("sessiontoken", views.sessiontoken, name="kashflow-sessiontoken"),
    path("sessiontoken/<str:token>", views.sessiontoken_delete, name="kashflow-sessiontoken-delete"),
    re_path(rf"^{DOCS}/bulk/payments$", views.bulk_payments, name="kashflow-bulk-payments"),
    re_path(rf"^{DOCS}/bulk/payments/(?P<number>\d+)$", views.bulk_payment, name="kashflow-bulk-payment"),
    path("products", views.products, name="kashflow-products"),
    path("products/<str:nominal_code>/<str:code>", views.product, name="kashflow-product"),
    path("paymentmethods", views.payment_methods, name="kashflow-payment-methods"),
    path("vat/settings/vatrates", views.vat_rates, name="kashflow-vat-rates"),
    path("countries", views.countries, name="kashflow-countries"),
    path("bankaccounts/<str:account_id>/transactions", views.bank_transactions, name="kashflow-bank-transactions"),
    path(
        "bankaccounts/<str:account_id>/transactions/<str:txn_id>",
        views.bank_transaction,
        name="kashflow-bank-transaction",
    ),
    path("<str:resource>", views.collection, name="kashflow-collection"),
    path("<str:resource>/<str:key>", views.item, name="kashflow-item"),
    re_path(r"^(?P<path>.*)$", views.not_found_view, name="kashflow-not-found"),
]
