# The two commands of the README: `make up` runs the platform, `make test` runs every test.
.PHONY: up test lint unit integration bench clean

up:
	@scripts/bootstrap.sh gateway
	.venv/bin/codeflix up $(ARGS)

test:
	@scripts/bootstrap.sh dev
	@scripts/services.sh
	$(MAKE) --no-print-directory lint
	.venv/bin/pytest -q tests

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

unit:
	.venv/bin/pytest -q tests/unit

integration:
	.venv/bin/pytest -q tests/integration tests/e2e

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
