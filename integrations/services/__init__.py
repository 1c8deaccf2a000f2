"""Every write of the integrations app outside the sync engine: connections and pairs, the webhook inbox.

Views, API views and commands call these; reads that pages need live in ``integrations.selectors``.
"""
