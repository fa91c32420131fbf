"""POST /api/v1/contacts: an organisation's system sends its contact registrations
(docs/reconciliation.md, docs/api.md)."""
