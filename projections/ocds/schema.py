"""The standard's own schemas, shipped with the product, and validation against them.

`schema/` holds OCDS 1.1.5's release, release-package and record-package schemas and the
sustainability extension (Apache 2.0, Open Contracting Partnership; `schema/LICENSE`),
unchanged. The extension is applied the way the standard's tools apply one: its
`release-schema.json` as a JSON Merge Patch (RFC 7386) over the release schema. Nothing
here reaches for the network: the packages' references to the release schema's web
address resolve to the patched local copy.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import json_merge_patch
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).parent / "schema"
VERSION = "1.1"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
# Where the extension is published; packages name the extensions their data uses.
SUSTAINABILITY_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                            "ocds_sustainability_extension/master/extension.json")


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return loaded


@cache
def release_schema() -> dict[str, Any]:
    """The 1.1.5 release schema with the sustainability extension applied."""
    patched: dict[str, Any] = json_merge_patch.merge(
        _load("release-schema.json"), _load("sustainability/release-schema.json"))
    return patched


@cache
def _validator(package_schema: str) -> Draft4Validator:
    release = Resource.from_contents(release_schema(), default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(RELEASE_SCHEMA_URL, release)
    return Draft4Validator(_load(package_schema), registry=registry)


def release_package_errors(package: dict[str, Any]) -> list[str]:
    """Every way the release package breaks the schema (none: it is valid)."""
    return _errors(_validator("release-package-schema.json"), package)


def record_package_errors(package: dict[str, Any]) -> list[str]:
    return _errors(_validator("record-package-schema.json"), package)


def _errors(validator: Draft4Validator, document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
            for error in validator.iter_errors(document)]
