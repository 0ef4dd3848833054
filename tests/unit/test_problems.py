from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from codeflix.problems import Conflict, NotFound, install_problem_handlers


class CategoryCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    is_active: bool = True


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/categories")
    def create(body: CategoryCreate) -> dict:
        if body.name == "taken":
            raise Conflict(
                "a category named 'taken' exists",
                errors=[{"loc": ["body", "name"], "msg": "taken"}],
            )
        return body.model_dump()

    @app.get("/categories/{id}")
    def read(id: str) -> dict:
        raise NotFound(f"no category {id}")

    return app


def test_validation_error_is_problem_details_with_every_offending_field():
    client = TestClient(make_app())
    r = client.post("/categories", json={"name": "", "is_active": "maybe"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 422 and body["title"] == "Unprocessable Content"
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert locs == {("body", "name"), ("body", "is_active")}


def test_not_json_at_all_is_a_422_not_a_500():
    r = TestClient(make_app()).post(
        "/categories", content=b"\xff\x00not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422


def test_domain_errors_map_to_their_status():
    client = TestClient(make_app())
    r = client.get("/categories/x")
    assert (r.status_code, r.json()["detail"]) == (404, "no category x")
    r = client.post("/categories", json={"name": "taken"})
    assert r.status_code == 409 and r.json()["errors"][0]["loc"] == ["body", "name"]


def test_unknown_route_is_a_problem_404():
    r = TestClient(make_app()).get("/nowhere")
    assert r.status_code == 404
    assert r.json()["type"].endswith("/not-found")


def test_an_unexpected_error_is_a_500_problem_carrying_the_correlation_id():
    from codeflix.web import service_app

    app = service_app("demo", title="demo")

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("secret internals")

    client = TestClient(app)  # raises the app's exceptions: none may come out
    r = client.get("/boom", headers={"X-Correlation-ID": "cid-1"})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["correlation_id"] == "cid-1" and r.json()["status"] == 500
    assert "secret" not in r.text
    assert client.get("/healthz").status_code == 200
