"""How the OpenAPI schema describes the organisations' key (a drf-spectacular extension;
imported by oversight.reconciliation.api.views, which registers it)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class OrganisationKeyScheme(OpenApiAuthenticationExtension):
    target_class = "oversight.reconciliation.api.auth.OrganisationKeyAuthentication"
    name = "OrganisationApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Authorization: Api-Key <key>`: a key issued to the HAP or SEH by the "
                "portal's administrator (shown once, stored hashed). A GP practice's key is "
                "not accepted here. Without a valid key: 401, and an access_denied event in "
                "the ledger."
            ),
        }
