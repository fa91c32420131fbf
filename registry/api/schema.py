"""How the OpenAPI schema describes the API's two ways in (drf-spectacular extensions;
imported by registry.api.views, which registers them)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PracticeKeyScheme(OpenApiAuthenticationExtension):
    target_class = "registry.api.auth.PracticeKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Authorization: Api-Key <key>`: a key issued to the GP practice by the "
                "portal's administrator (shown once, stored hashed). Without a valid key or "
                "certificate: 401, and an access_denied event in the ledger."
            ),
        }


class PracticeCertificateScheme(OpenApiAuthenticationExtension):
    target_class = "registry.api.auth.PracticeCertificateAuthentication"
    name = "UziServerCertificate"

    def get_security_definition(self, auto_schema):
        return {
            "type": "mutualTLS",
            "description": (
                "The practice's UZI server certificate (card type S) as the TLS client "
                "certificate. It names the practice by its URA (the UZI string's subscriber "
                "number) and, where not 00000000, its AGB code; exactly one practice must "
                "match."
            ),
        }
