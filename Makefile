# The two commands of the README: `make up` runs the platform, `make test` runs every test.
.PHONY: up test lint unit integration web bench clean

up:
	@scripts/bootstrap.sh gateway
	@scripts/web.sh build || echo "the web app is not built: / lists the services instead" >&2
	.venv/bin/codeflix up $(ARGS)

test:
	@scripts/bootstrap.sh dev
	@scripts/services.sh
	$(MAKE) --no-print-directory lint
	scripts/web.sh test
	scripts/web.sh build
	.venv/bin/pytest -q --durations=30 tests

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

unit:
	.venv/bin/pytest -q tests/unit

integration:
	.venv/bin/pytest -q tests/integration tests/e2e

web:
	scripts/web.sh test

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
