"""Bytes in: a page decoded as a FHIR Bundle, within its size and nesting limits.

What is checked here is checked before any resource is read: the page's size
(SUMMARY_MAX_PAGE_BYTES), whether it is a Bundle in JSON or XML, and how deep its
resources nest (SUMMARY_MAX_DEPTH), at C speed where that can be done.
"""

from __future__ import annotations

from typing import Any

import orjson

from summaries.fhir.model import Limits
from summaries.fhir.xml import FhirXmlError, resource_from_xml


class PageError(ValueError):
    """The page as a whole cannot be read; nothing on it is usable."""


def decode(data: bytes, limits: Limits) -> dict[str, Any]:
    if len(data) > limits.max_page_bytes:
        raise PageError(
            f"page is {len(data):,} bytes; the limit is {limits.max_page_bytes:,} "
            "(SUMMARY_MAX_PAGE_BYTES)"
        )
    head = data.lstrip()[:1]
    if head == b"<":
        try:
            root = resource_from_xml(data)
        except FhirXmlError as exc:
            raise PageError(f"invalid FHIR XML: {exc}") from exc
        except RecursionError as exc:
            raise PageError(
                f"FHIR XML nested more than {limits.max_depth} levels deep (SUMMARY_MAX_DEPTH)"
            ) from exc
    else:
        try:
            root = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise PageError(f"invalid JSON: {exc}") from exc
    if not isinstance(root, dict) or root.get("resourceType") != "Bundle":
        found = root.get("resourceType") if isinstance(root, dict) else type(root).__name__
        raise PageError(f"expected a FHIR Bundle, got resourceType {found!r}")
    return root


def inspect(value: Any, limit: int) -> tuple[int, list[Any]]:
    """Nesting depth of a resource and the references in it, in one walk.

    Level by level, so a hostile payload costs no more than a legal one: the
    walk stops as soon as the depth passes the limit.
    """
    level, depth, references = [value], 1, []
    while True:
        deeper = []
        for node in level:
            if type(node) is dict:
                if "reference" in node or ("identifier" in node and depth >= 2):
                    references.append(node)
                children = node.values()
            else:
                children = node
            for child in children:
                kind = type(child)
                if kind is dict or kind is list:
                    deeper.append(child)
        if not deeper:
            return depth, references
        depth += 1
        if depth > limit:
            return depth, references
        level = deeper


def _nested(levels: int, container: type) -> list | dict:
    value: list | dict = container()
    for _ in range(levels - 1):
        value = [value] if container is list else {"x": value}
    return value


def _serialises(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False
    return True


def _orjson_max_nesting() -> int:
    """How many levels of containers orjson serialises (its own fixed limit, 254 in 3.x),
    confirmed for lists and for objects; 0 when there is no such wall below 1,024 levels
    (another orjson): then the one-pass depth check is never used and every resource is walked."""
    low, high = 1, 1024
    while low < high:
        middle = (low + high + 1) // 2
        if _serialises(_nested(middle, list)):
            low = middle
        else:
            high = middle - 1
    confirmed = all(
        _serialises(_nested(low, kind)) and not _serialises(_nested(low + 1, kind))
        for kind in (list, dict)
    )
    return low if confirmed and low < 1024 else 0


ORJSON_MAX_NESTING = _orjson_max_nesting()


def surely_within_depth(resources: list[dict], limit: int) -> bool:
    """True when no resource nests deeper than limit, in one C-speed pass.

    Walking every container in Python costs as much as decoding the page. orjson
    refuses to go deeper than ORJSON_MAX_NESTING; wrapped in just enough lists,
    the resources hit that wall exactly when one of them is deeper than limit.
    False means "not sure" (a limit beyond orjson's, or a resource deeper than it):
    then each resource is walked.
    """
    padding = ORJSON_MAX_NESTING - 1 - limit
    if padding < 0:
        return False
    wrapped: list = resources
    for _ in range(padding):
        wrapped = [wrapped]
    try:
        orjson.dumps(wrapped)
    except orjson.JSONEncodeError:
        return False
    return True
