"""Identity: Codeflix's OpenID Connect provider, laid out like a Keycloak realm."""
