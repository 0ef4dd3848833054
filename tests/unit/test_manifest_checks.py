"""The offline manifest checks refuse what a cluster would refuse."""

import copy

import jsonschema
import kubernetes_validate
import pytest

from tests.conftest import ROOT
from tests.support.manifests import of_kind, rendered, validate

DOCS = rendered(ROOT / "manifests" / "base" / "catalog")


def test_a_misspelt_field_of_a_built_in_kind_is_refused():
    deployment = copy.deepcopy(of_kind(DOCS, "Deployment")[0])
    deployment["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment)


def test_a_misspelt_field_of_an_istio_resource_is_refused():
    route = copy.deepcopy(of_kind(DOCS, "VirtualService")[0])
    route["spec"]["http"][0]["timout"] = "5s"
    with pytest.raises(jsonschema.ValidationError):
        validate(route)
