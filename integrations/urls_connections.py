from django.urls import path

from integrations.views import connections as views

urlpatterns = [
    path("connections/", views.connection_list, name="connection-list"),
    path("connections/add/", views.connection_add, name="connection-add"),
    path("connections/<int:pk>/edit/", views.connection_edit, name="connection-edit"),
    path("connections/<int:pk>/delete/", views.connection_delete, name="connection-delete"),
    path("connections/<int:pk>/test/", views.connection_test, name="connection-test"),
    path("connections/<int:pk>/discover/", views.connection_discover, name="connection-discover"),
    path("pairs/", views.pair_list, name="pair-list"),
    path("pairs/add/", views.pair_add, name="pair-add"),
]
