from django.urls import path

from mappings.banking import views

app_name = "banking"
urlpatterns = [
    path("", views.rule_list, name="list"),
    path("save/", views.save_rule, name="save"),
    path("<int:pk>/delete/", views.delete_rule, name="delete"),
    path("flow-mode/", views.set_flow_mode, name="flow_mode"),
]
