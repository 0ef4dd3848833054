"""What operators watch on the identity service: sign-ins, tokens, and signs of abuse."""

from __future__ import annotations

from prometheus_client import Counter

from codeflix.observability import domain_counter


def sign_ins() -> Counter:
    return domain_counter(
        "identity_sign_ins_total",
        "Sign-in attempts by outcome (success, failure, throttled).",
        ("outcome",),
    )


def tokens_issued() -> Counter:
    return domain_counter(
        "identity_tokens_issued_total", "Tokens issued by grant type.", ("grant",)
    )


def token_reuse() -> Counter:
    return domain_counter(
        "identity_token_reuse_total",
        "Replayed authorization codes and reused refresh tokens (sessions ended).",
        ("kind",),
    )
