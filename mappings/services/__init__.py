"""Writes to mapping sets, by job: ``versions`` (drafts, publish, restore, the value-map fix),
``edits`` (rules, value maps and dimension rules of a draft), ``compiling`` (the engine spec and the
compiled mapping a run uses), ``transfer`` (export and import as JSON), ``starters`` (the shipped mapping of
every flow). Reads live in ``mappings.selectors``.

Life cycle of one mapping (all rows sharing ``key``):

- At most one **draft** and one **published** version exist (database constraints).
- A published or archived version is immutable: every edit function refuses it with
  ``VersionLocked``. Editing starts with ``get_or_create_draft``, which copies the published
  version into a new draft numbered after the highest version so far.
- ``publish`` validates the draft with the engine (a rule that cannot apply refuses the publish,
  every broken rule listed), archives the previous published version and records the diff in
  the audit trail.
- ``restore_version`` never revives an old row: it copies that version's content into a new
  version. By default the copy becomes the draft (replacing any draft in progress), so it can be
  previewed first; with ``publish=True`` it is published at once (a one-click roll back).

The names below are the app's service API, so a caller writes ``services.save_rule(...)``.
"""

from mappings.services.compiling import compiled_mapping, default_rates, rule_errors, to_spec
from mappings.services.edits import (
    DIMENSION_OPS,
    check_dimension_rule,
    delete_dimension_rule,
    delete_rule,
    delete_value_map,
    delete_value_map_entry,
    ensure_draft,
    move_dimension_rule,
    save_dimension_rule,
    save_rule,
    save_value_map,
    save_value_map_entry,
)
from mappings.services.errors import MappingError, PublishRefused, VersionLocked
from mappings.services.versions import (
    apply_value_map_fix,
    discard_draft,
    fill_from_snapshot,
    get_or_create_draft,
    publish,
    restore_version,
    rules_diff,
    snapshot,
)

__all__ = [
    "DIMENSION_OPS",
    "MappingError",
    "PublishRefused",
    "VersionLocked",
    "apply_value_map_fix",
    "check_dimension_rule",
    "compiled_mapping",
    "default_rates",
    "delete_dimension_rule",
    "delete_rule",
    "delete_value_map",
    "delete_value_map_entry",
    "discard_draft",
    "ensure_draft",
    "fill_from_snapshot",
    "get_or_create_draft",
    "move_dimension_rule",
    "publish",
    "restore_version",
    "rule_errors",
    "rules_diff",
    "save_dimension_rule",
    "save_rule",
    "save_value_map",
    "save_value_map_entry",
    "snapshot",
    "to_spec",
]
