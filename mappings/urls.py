from django.urls import path

from mappings import views

app_name = "mappings"
urlpatterns = [
    path("", views.mapping_list, name="list"),
    path("import/", views.mapping_import, name="import"),
    path("install-templates/", views.install_templates, name="install_templates"),
    path("key/<slug:key>/", views.mapping_key, name="by_key"),
    path("<int:pk>/", views.mapping_detail, name="detail"),
    path("<int:pk>/edit/", views.start_draft, name="start_draft"),
    path("<int:pk>/rule/", views.save_rule, name="save_rule"),
    path("<int:pk>/map-all/", views.map_all, name="map_all"),
    path("<int:pk>/value-maps/", views.save_value_map, name="save_value_map"),
    path("<int:pk>/value-maps/delete/", views.delete_value_map, name="delete_value_map"),
    path("<int:pk>/value-maps/entries/", views.save_value_map_entry, name="save_value_map_entry"),
    path(
        "<int:pk>/value-maps/entries/<int:entry_id>/delete/",
        views.delete_value_map_entry,
        name="delete_value_map_entry",
    ),
    path("<int:pk>/value-maps/fix/", views.value_fix_suggestions, name="value_fix"),
    path("<int:pk>/dimensions/", views.save_dimension_rule, name="save_dimension_rule"),
    path("<int:pk>/dimensions/<int:rule_id>/move/", views.move_dimension_rule, name="move_dimension_rule"),
    path("<int:pk>/dimensions/<int:rule_id>/delete/", views.delete_dimension_rule, name="delete_dimension_rule"),
    path("<int:pk>/preview/", views.mapping_preview, name="preview"),
    path("<int:pk>/diff/", views.mapping_diff, name="diff"),
    path("<int:pk>/publish/", views.mapping_publish, name="publish"),
    path("<int:pk>/restore/", views.mapping_restore, name="restore"),
    path("<int:pk>/discard/", views.discard_draft, name="discard"),
    path("<int:pk>/export/", views.mapping_export, name="export"),
]
