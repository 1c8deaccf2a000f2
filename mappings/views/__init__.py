"""The mapping pages (HTMX), one module per job: ``listing`` (the list, import, starters), ``designer`` (the
mapping page and its field rules), ``value_maps``, ``dimension_rules``, ``preview`` and ``versions`` (diff,
publish, restore, discard, export). Viewers may look at mappings read-only; every change needs the
Accountant role.

Each view parses input, calls one service and renders; after a change the response carries the
``mappingChanged`` event, which the preview pane and the diff listen for to re-render themselves.
"""
