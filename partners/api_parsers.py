"""The JSON parser of every API (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]): a
body that is not JSON, or nests deeper than any request of ours needs, is a 400
(Python's decoder raises RecursionError, not ValueError, on `[[[[…]]]]`)."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Our deepest request (an order: body > lines > line > field) is 4 levels.
MAX_DEPTH = 32


def json_depth_exceeds(value, limit: int = MAX_DEPTH) -> bool:
    """True when `value` nests lists/objects deeper than `limit` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels") from exc
        if json_depth_exceeds(data):
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels")
        return data
