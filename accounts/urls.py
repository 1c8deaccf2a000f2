from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/tokens/", views.token_list, name="api-tokens"),
    path("account/tokens/new", views.token_create, name="api-token-create"),
    path("account/tokens/<str:token_key>/revoke", views.token_revoke, name="api-token-revoke"),
]
