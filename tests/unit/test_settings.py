from pathlib import Path

import pytest
from pydantic import ValidationError

from codeflix.settings import DEFAULT_SECRET, CommonSettings, ServiceSettings, common_settings


class CatalogLikeSettings(ServiceSettings):
    service_name: str = "catalog"


def test_unset_variables_fall_back_to_embedded_defaults(monkeypatch, tmp_path):
    for name in ("CODEFLIX_STORAGE_URL", "CODEFLIX_AMQP_URL", "CODEFLIX_RAY_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = common_settings()
    assert settings.environment == "development"
    assert settings.amqp_url is None and settings.ray_address is None
    assert settings.media_url == f"file://{tmp_path / 'var' / 'media'}"


def test_values_come_from_codeflix_prefixed_environment(monkeypatch):
    monkeypatch.setenv("CODEFLIX_AMQP_URL", "amqp://guest:guest@rabbit:5672/")
    monkeypatch.setenv("CODEFLIX_STORAGE_URL", "s3://media")
    monkeypatch.setenv("CODEFLIX_STORAGE_OPTIONS", '{"endpoint_url": "http://s3:9000"}')
    settings = common_settings()
    assert settings.amqp_url == "amqp://guest:guest@rabbit:5672/"
    assert settings.media_url == "s3://media"
    assert settings.storage_options == {"endpoint_url": "http://s3:9000"}


def test_service_database_url_is_read_from_its_own_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("CODEFLIX_CATALOG_DATABASE_URL", "postgresql+asyncpg://db/catalog")
    assert CatalogLikeSettings().db_url == "postgresql+asyncpg://db/catalog"
    monkeypatch.delenv("CODEFLIX_CATALOG_DATABASE_URL")
    default = CatalogLikeSettings(data_dir=tmp_path).db_url
    assert default == f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}"


def test_default_secrets_are_refused_outside_development():
    with pytest.raises(ValidationError, match="CODEFLIX_SECRET_KEY"):
        CommonSettings(environment="production", typesense_api_key="real")
    settings = CommonSettings(environment="production", secret_key="s3cret", typesense_api_key="k")
    assert settings.secret_key == "s3cret"
    assert CommonSettings(environment="development").secret_key == DEFAULT_SECRET


def test_unknown_environment_is_a_clear_error():
    with pytest.raises(ValidationError, match="environment"):
        CommonSettings(environment="staging")


def test_data_dir_is_a_path(tmp_path):
    assert isinstance(common_settings(data_dir=str(tmp_path)).data_dir, Path)
