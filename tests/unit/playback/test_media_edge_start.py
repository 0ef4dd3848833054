"""The media edge's start script writes nginx's configuration from the manifest's template with
the bucket's endpoint and name, and refuses values that are not an endpoint or a bucket."""

from __future__ import annotations

import re

import pytest

from tests.support.media_edge import TEMPLATE, rendered, start_script


def test_an_https_endpoint_is_verified_by_its_name_on_443() -> None:
    conf = rendered("https://s3.eu-west-1.amazonaws.com", "s3://codeflix-media")
    assert "server s3.eu-west-1.amazonaws.com:443;" in conf
    assert "proxy_set_header Host s3.eu-west-1.amazonaws.com;" in conf
    assert "proxy_ssl_name s3.eu-west-1.amazonaws.com;" in conf
    assert "proxy_ssl_verify on;" in conf
    assert "proxy_pass https://media_store/$media_root/$grant_key;" in conf
    assert "set $media_root codeflix-media;" in conf


def test_an_http_endpoint_keeps_its_port_in_the_host_header() -> None:
    conf = rendered("http://media-store:9000/", "s3://codeflix-media")
    assert "server media-store:9000;" in conf
    assert "proxy_set_header Host media-store:9000;" in conf
    assert "proxy_pass http://media_store/$media_root/$grant_key;" in conf


def test_a_prefix_of_the_services_store_is_kept_in_the_path() -> None:
    conf = rendered("https://minio.storage.svc:9000", "s3://media-bucket/codeflix/prod/")
    assert "set $media_root media-bucket/codeflix/prod;" in conf


def test_only_the_five_placeholders_are_replaced() -> None:
    template = TEMPLATE.read_text()
    conf = rendered("https://s3.example.com", "s3://codeflix-media")
    assert set(re.findall(r"\$\{(\w+)\}", template)) == {
        "MEDIA_STORE_SCHEME", "MEDIA_STORE_SERVER", "MEDIA_STORE_HOST", "MEDIA_STORE_SNI",
        "MEDIA_ROOT",
    }  # fmt: skip
    assert "${" not in conf
    # nginx's own variables are untouched.
    nginx_variables = set(re.findall(r"\$[a-z_]+\b", template))
    assert nginx_variables >= {"$grant_key", "$grant_verdict", "$media_root", "$uri"}
    assert nginx_variables <= set(re.findall(r"\$[a-z_]+\b", conf))


@pytest.mark.parametrize(
    ("store_url", "storage_url", "complaint"),
    [
        (None, "s3://codeflix-media", "set CODEFLIX_MEDIA_STORE_URL"),
        ("", "s3://codeflix-media", "set CODEFLIX_MEDIA_STORE_URL"),
        ("media-store:9000", "s3://codeflix-media", "http(s)://host[:port]"),
        ("ftp://media-store", "s3://codeflix-media", "http(s)://host[:port]"),
        ("https://s3.example.com/codeflix-media", "s3://codeflix-media", "no path"),
        ("https://AKIA:hunter2@s3.example.com", "s3://codeflix-media", "no path or credentials"),
        ("https://s3.example.com;evil", "s3://codeflix-media", "http(s)://host[:port]"),
        ("https://s3.example.com", None, "CODEFLIX_STORAGE_URL must be s3://<bucket>"),
        ("https://s3.example.com", "file:///var/media", "CODEFLIX_STORAGE_URL must be s3://"),
        ("https://s3.example.com", "s3://codeflix-media/a b", "CODEFLIX_STORAGE_URL must be"),
        ("https://s3.example.com", "s3://codeflix;media", "CODEFLIX_STORAGE_URL must be"),
    ],
)
def test_what_is_not_an_endpoint_or_a_bucket_is_refused_before_nginx(
    store_url: str | None, storage_url: str | None, complaint: str
) -> None:
    done = start_script("--render", str(TEMPLATE), store_url=store_url, storage_url=storage_url)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("media-edge: ") and complaint in done.stderr
    assert "hunter2" not in done.stderr  # credentials are never echoed
