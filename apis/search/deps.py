"""Annotated dependencies of the search routes: the index and who may call."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from apis.search.index import TypesenseIndex
from codeflix.auth import Principal, require_roles

ADMIN_ROLE = "catalog-admin"


async def get_index(request: Request) -> TypesenseIndex:
    # async: FastAPI would run a plain function in a worker thread on every request.
    index: TypesenseIndex = request.app.state.search.ready_index()
    return index


IndexDep = Annotated[TypesenseIndex, Depends(get_index)]
CatalogAdmin = Annotated[Principal, Depends(require_roles(ADMIN_ROLE))]
