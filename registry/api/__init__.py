"""The API for GP information systems, under /api/v1/ (docs/api.md)."""
