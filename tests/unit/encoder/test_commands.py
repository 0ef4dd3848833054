"""The worker and dead-letter commands refuse clearly when there is no broker to talk to."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from entrypoints.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEFLIX_AMQP_URL", raising=False)


@pytest.mark.parametrize(
    "args",
    [
        ["dlq", "list", "encoder.uploads"],
        ["dlq", "show", "encoder.uploads"],
        ["dlq", "replay", "encoder.uploads"],
        ["dlq", "purge", "encoder.uploads", "--yes"],
    ],
)
def test_dlq_without_a_broker_is_one_readable_line(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "CODEFLIX_AMQP_URL" in result.output
    assert "Traceback" not in result.output


def test_worker_without_a_broker_is_one_readable_line() -> None:
    result = runner.invoke(app, ["worker", "encoder"])
    assert result.exit_code == 1
    assert "CODEFLIX_AMQP_URL" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_worker_refuses_a_nonsense_concurrency(value: str) -> None:
    result = runner.invoke(app, ["worker", "encoder", "--concurrency", value])
    assert result.exit_code == 2
    assert "concurrency" in result.output


def test_worker_refuses_a_nonsense_concurrency_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CODEFLIX_ENCODER_CONCURRENCY", "zero")
    result = runner.invoke(app, ["worker", "encoder"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_purge_asks_before_deleting() -> None:
    result = runner.invoke(app, ["dlq", "purge", "encoder.uploads"], input="n\n")
    assert result.exit_code == 1
    assert "Delete every message of encoder.uploads.dlq?" in result.output
    assert "Aborted" in result.output


@pytest.mark.parametrize("command", [["worker", "encoder"], ["dlq", "list"], ["dlq", "replay"]])
def test_help_explains_each_command(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


@pytest.mark.parametrize("url", ["nonsense", "http://rabbit/", "amqp://", "amqp:///vhost"])
@pytest.mark.parametrize("args", [["dlq", "list", "encoder.uploads"], ["worker", "encoder"]])
def test_a_broker_url_that_is_not_amqp_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, url: str, args: list[str]
) -> None:
    monkeypatch.setenv("CODEFLIX_AMQP_URL", url)
    monkeypatch.setenv("CODEFLIX_LOG_JSON", "false")
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "amqp://user:password@host" in result.output
    assert "Traceback" not in result.output
