"""Make a JSON schema "strict" the way OpenAI function calling expects (as the SDK does):
every object gets ``additionalProperties: false`` and lists all its properties as required."""

from __future__ import annotations

import copy
from typing import Any

from .errors import UserError

EMPTY_SCHEMA: dict[str, Any] = {
    "additionalProperties": False,
    "type": "object",
    "properties": {},
    "required": [],
}


def ensure_strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    if schema == {}:
        return copy.deepcopy(EMPTY_SCHEMA)
    schema = copy.deepcopy(schema)
    _strict(schema, root=schema)
    return schema


def _strict(node: Any, root: dict[str, Any]) -> None:
    if not isinstance(node, dict):
        return
    for key in ("$defs", "definitions"):
        for sub in (node.get(key) or {}).values():
            _strict(sub, root)
    if node.get("type") == "object":
        if node.get("additionalProperties") not in (None, False):
            raise UserError(
                "additionalProperties must not be set for object types in a strict schema "
                f"(got {node['additionalProperties']!r})")
        node["additionalProperties"] = False
    props = node.get("properties")
    if isinstance(props, dict):
        node["required"] = list(props)
        for sub in props.values():
            _strict(sub, root)
    if isinstance(node.get("items"), dict):
        _strict(node["items"], root)
    for key in ("anyOf", "allOf", "oneOf", "prefixItems"):
        for sub in node.get(key) or []:
            _strict(sub, root)
    if len(node.get("allOf") or []) == 1:
        only = node.pop("allOf")[0]
        node.update(only)
    # pydantic puts "default": None on Optional fields; strict mode has no use for it.
    if "default" in node and node["default"] is None:
        node.pop("default")
    # A $ref with sibling keys is not allowed: inline the referenced definition.
    if "$ref" in node and len(node) > 1:
        ref = node.pop("$ref")
        target = _resolve_ref(root, ref)
        node.update({k: v for k, v in target.items() if k not in node})


def _resolve_ref(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise UserError(f"unsupported $ref {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node
