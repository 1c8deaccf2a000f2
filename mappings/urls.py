from django.urls import path

from mappings.views import designer, dimension_rules, listing, preview, value_maps, versions

app_name = "mappings"
urlpatterns = [
    path("", listing.mapping_list, name="list"),
    path("import/", listing.mapping_import, name="import"),
    path("install-templates/", listing.install_templates, name="install_templates"),
    path("key/<slug:key>/", listing.mapping_key, name="by_key"),
    path("<int:pk>/", designer.mapping_detail, name="detail"),
    path("<int:pk>/edit/", designer.start_draft, name="start_draft"),
    path("<int:pk>/rule/", designer.save_rule, name="save_rule"),
    path("<int:pk>/map-all/", designer.map_all, name="map_all"),
    path("<int:pk>/source/", designer.source_panel, name="source_panel"),
    path("<int:pk>/transforms/", designer.transform_editor, name="transform_editor"),
    path("<int:pk>/transforms/block/", designer.transform_block, name="transform_block"),
    path("<int:pk>/value-maps/", value_maps.save_value_map, name="save_value_map"),
    path("<int:pk>/value-maps/delete/", value_maps.delete_value_map, name="delete_value_map"),
    path("<int:pk>/value-maps/entries/", value_maps.save_value_map_entry, name="save_value_map_entry"),
    path(
        "<int:pk>/value-maps/entries/<int:entry_id>/delete/",
        value_maps.delete_value_map_entry,
        name="delete_value_map_entry",
    ),
    path("<int:pk>/value-maps/fix/", value_maps.value_fix_suggestions, name="value_fix"),
    path("<int:pk>/reference/", value_maps.reference_search, name="reference_search"),
    path("<int:pk>/dimensions/", dimension_rules.save_dimension_rule, name="save_dimension_rule"),
    path("<int:pk>/dimensions/<int:rule_id>/move/", dimension_rules.move_dimension_rule, name="move_dimension_rule"),
    path(
        "<int:pk>/dimensions/<int:rule_id>/delete/",
        dimension_rules.delete_dimension_rule,
        name="delete_dimension_rule",
    ),
    path("<int:pk>/preview/", preview.mapping_preview, name="preview"),
    path("<int:pk>/preview/tables/", preview.record_compare, name="compare"),
    path("<int:pk>/dry-run/", preview.mapping_dry_run, name="dry_run"),
    path("<int:pk>/diff/", versions.mapping_diff, name="diff"),
    path("<int:pk>/publish/", versions.mapping_publish, name="publish"),
    path("<int:pk>/restore/", versions.mapping_restore, name="restore"),
    path("<int:pk>/discard/", versions.discard_draft, name="discard"),
    path("<int:pk>/export/", versions.mapping_export, name="export"),
]
