from django.urls import path

from mappings.refdata import views

app_name = "refdata"
urlpatterns = [
    path("", views.reference_detail, name="detail"),
    path("upload/", views.upload, name="upload"),
    path("refresh/", views.refresh, name="refresh"),
]
