"""What every administered resource shares: lookup, ETags, references and change events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from apis.catalog.models import Resource
from codeflix.problems import NotFound, PreconditionFailed, Problem, UnprocessableContent

R = TypeVar("R", bound=Resource)
PRODUCER = "catalog"


class PreconditionRequired(Problem):
    status, type_suffix = 428, "precondition-required"


def etag(resource: Resource) -> str:
    """The entity tag of a resource's current state (its version, bumped on every change)."""
    return f'"{resource.version}"'


def check_if_match(resource: Resource, if_match: str | None, *, required: bool = True) -> None:
    """Refuse a change made against a state the client has not seen (RFC 9110 If-Match)."""
    if if_match is None:
        if required:
            raise PreconditionRequired(
                "send If-Match with the ETag you last read, so changes are never lost",
                errors=[{"loc": ["header", "If-Match"], "msg": "required"}],
            )
        return
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" not in tags and etag(resource) not in tags:
        raise PreconditionFailed(
            f"the resource changed since you read it (now {etag(resource)}); "
            "read it again and retry",
            headers={"ETag": etag(resource)},
        )


async def flush_changes(session: AsyncSession) -> None:
    """Write the pending changes; when another writer changed the row first, answer 412."""
    try:
        await session.flush()
    except StaleDataError:
        await session.rollback()
        raise PreconditionFailed(
            "the resource changed while you were changing it; read it again and retry"
        ) from None


async def get_or_404(session: AsyncSession, model: type[R], resource_id: uuid.UUID) -> R:
    found = await session.get(model, resource_id)
    if found is None:
        label = model.__tablename__.removesuffix("s").replace("_", " ")  # type: ignore[attr-defined]
        raise NotFound(f"no {label} with id {resource_id}")
    return found


async def fetch_referenced(
    session: AsyncSession, model: type[R], ids: Sequence[uuid.UUID], *, field: str
) -> tuple[list[R], list[dict[str, Any]]]:
    """The rows ``ids`` name, in order, and an error for every id that names nothing."""
    if not ids:
        return [], []
    rows = (await session.scalars(select(model).where(model.id.in_(ids)))).all()
    by_id = {row.id: row for row in rows}
    label = field.removesuffix("s").replace("_", " ")
    errors = [
        {"loc": ["body", field, i], "msg": f"no {label} with id {ref}"}
        for i, ref in enumerate(ids)
        if ref not in by_id
    ]
    return [by_id[ref] for ref in ids if ref in by_id], errors


def refuse_if(errors: list[dict[str, Any]]) -> None:
    """Raise one validation problem naming every offending field."""
    if errors:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:2]) for e in errors)
        raise UnprocessableContent(
            f"the request refers to things that do not fit: {fields}", errors=errors
        )


def names(rows: Sequence[Any], label: str, attribute: str = "name", limit: int = 5) -> str:
    shown = [f"{label} '{getattr(r, attribute)}'" for r in rows[:limit]]
    more = len(rows) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
