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


ADDITIONAL_PROPERTIES_ERROR = (
    "additionalProperties should not be set for object types. This could be because "
    "you're using an older version of Pydantic, or because you configured additional "
    "properties to be allowed. If you really need this, update the function or output tool "
    "to not use a strict schema.")
MAX_DEPTH = 100
"""As the SDK: deeper schemas are refused (UserError), not walked."""


def _check_depth(schema: Any) -> None:
    stack = [(schema, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UserError("JSON schema is too deeply nested to process safely. Simplify or "
                            "flatten the schema.")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


def ensure_strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """As SDK 0.24, including what it refuses: a root ``anyOf``, a nullable root object,
    ``additionalProperties`` other than false (also on objects without a ``type``) and schemas
    nested deeper than :data:`MAX_DEPTH`."""
    _check_depth(schema)
    if schema == {}:
        return copy.deepcopy(EMPTY_SCHEMA)
    schema = copy.deepcopy(schema)
    _strict(schema, root=schema)
    if isinstance(schema.get("anyOf"), list):
        raise UserError("The root of a strict JSON schema must not use `anyOf`.")
    kind = schema.get("type")
    if isinstance(kind, list) and "object" in kind:
        if kind != ["object"]:
            raise UserError("The root of a strict JSON schema must be a non-nullable object, but its "
                            f"type is {kind}. Make the root a plain object, or update the function or "
                            "output tool to not use a strict schema.")
        schema["type"] = "object"
    return schema


def _strict(node: Any, root: dict[str, Any]) -> None:
    if not isinstance(node, dict):
        return
    for key in ("$defs", "definitions"):
        for sub in (node.get(key) or {}).values():
            _strict(sub, root)
    kind = node.get("type")
    if kind is None and isinstance(node.get("properties"), dict):
        kind = node["type"] = "object"
    elif kind is None and node.get("additionalProperties", False) is not False:
        raise UserError(ADDITIONAL_PROPERTIES_ERROR)
    if kind == "object" or (isinstance(kind, list) and "object" in kind):
        if node.get("additionalProperties", False) is not False:
            raise UserError(ADDITIONAL_PROPERTIES_ERROR)
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
