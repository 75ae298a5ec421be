"""Safe YAML reading that keeps line numbers for messages."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import yaml

from site_builder.errors import SiteError, SourcePos, raise_all

# libyaml's safe loader when PyYAML was built with it (7x faster), else the pure-Python one.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with a value its type rejects (`2025-13-45`, `!!int x`) a YAML error too."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except ValueError as exc:  # PyYAML lets these escape without a position.
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid value {node.value!r}: {exc}", node.start_mark
            ) from None


def yaml_loader(text: str) -> yaml.SafeLoader:
    """Return a safe YAML loader over text (for callers that walk the node tree themselves)."""
    loader: yaml.SafeLoader = _Loader(text)
    return loader


@dataclass(frozen=True, slots=True)
class YamlMapping:
    """A YAML mapping with the line of each top-level key."""

    data: dict[str, Any]
    """The parsed mapping (safe types only)."""
    lines: dict[str, int]
    """1-based line of each top-level key, for messages."""
    where: SourcePos
    """The file, and the line the mapping starts on."""

    def pos(self, key: str) -> SourcePos:
        """Return the position of a key, or of the mapping when the key is absent."""
        return SourcePos(self.where.path, self.lines.get(key, self.where.line))


def _has_duplicate_keys(root: yaml.Node) -> bool:
    """Tell whether a mapping at any depth has a scalar key twice (the merge key `<<` aside)."""
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if type(node) is yaml.MappingNode:
            keys = [
                key.value
                for key, _ in node.value
                if type(key) is yaml.ScalarNode and key.tag != "tag:yaml.org,2002:merge"
            ]
            if len(set(keys)) != len(keys):
                return True
            stack.extend(value for _, value in node.value if type(value) is not yaml.ScalarNode)
        elif type(node) is yaml.SequenceNode:
            stack.extend(item for item in node.value if type(item) is not yaml.ScalarNode)
    return False


def _check_duplicate_keys(root: yaml.Node, path: str, first_line: int) -> None:
    """Raise every key written twice in one mapping, at any depth (YAML's "last wins" hides one)."""
    if not _has_duplicate_keys(root):  # the usual case, told without building messages
        return
    errors: list[SiteError] = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:  # an alias repeats its anchor's node
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                stack.append(value)
                if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                line = first_line + key.start_mark.line
                if key.value in first:
                    errors.append(
                        SiteError(
                            f"duplicate key `{key.value}` (first on line {first[key.value]})",
                            SourcePos(path, line),
                        )
                    )
                else:
                    first[key.value] = line
    if errors:
        raise_all(errors)


class _NotSimple(Exception):
    """A node _construct_simple leaves to PyYAML's constructor."""


_TAG = "tag:yaml.org,2002:"
_DECIMAL_RE = re.compile(r"-?[1-9][0-9]*|0")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _construct_simple(node: yaml.Node, seen: set[int]) -> Any:
    """Return the value PyYAML's safe constructor makes of a node of plain values (strings,
    decimal integers, dates, booleans, nulls, lists, mappings with string keys); raise
    _NotSimple for anything else (merge keys, aliases, other numbers and tags, bad dates).

    The safe constructor is Python, called per node: most of the cost of reading a page.
    """
    if id(node) in seen:
        raise _NotSimple  # an alias: PyYAML shares the value
    seen.add(id(node))
    tag = node.tag
    if type(node) is yaml.ScalarNode:
        value = node.value
        if tag == _TAG + "str":
            return value
        if tag == _TAG + "int" and _DECIMAL_RE.fullmatch(value):
            return int(value)
        if tag == _TAG + "timestamp" and _DATE_RE.fullmatch(value):
            try:
                return dt.date(int(value[:4]), int(value[5:7]), int(value[8:]))
            except ValueError:
                raise _NotSimple from None  # PyYAML says where
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool" and value.lower() in yaml.constructor.SafeConstructor.bool_values:
            return yaml.constructor.SafeConstructor.bool_values[value.lower()]
        raise _NotSimple
    if type(node) is yaml.SequenceNode and tag == _TAG + "seq":
        return [_construct_simple(item, seen) for item in node.value]
    if type(node) is yaml.MappingNode and tag == _TAG + "map":
        data = {}
        for key, value in node.value:
            if type(key) is not yaml.ScalarNode or key.tag != _TAG + "str":
                raise _NotSimple
            data[key.value] = _construct_simple(value, seen)
        return data
    raise _NotSimple


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """Return the value of a document's node, as the loader's constructor makes it."""
    try:
        return _construct_simple(node, set())
    except _NotSimple:
        return loader.construct_document(node)


def parse_yaml_mapping(text: str, path: str, first_line: int = 1) -> YamlMapping:
    """Parse text as a YAML mapping; refuse tags such as !!python/object; an empty text is {}."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = _construct(loader, node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = exc.problem or "invalid YAML"
        if isinstance(exc, yaml.constructor.ConstructorError):
            problem = f"{problem} (only plain YAML values are allowed)"
        raise SiteError(f"YAML error: {problem}", SourcePos(path, line)) from None
    except yaml.YAMLError as exc:
        raise SiteError(f"YAML error: {exc}", SourcePos(path, first_line)) from None
    finally:
        loader.dispose()
    if data is None:
        return YamlMapping({}, {}, SourcePos(path, first_line))
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise SiteError(
            f"expected a mapping of `key: value` lines, got {type(data).__name__}",
            SourcePos(path, first_line),
        )
    _check_duplicate_keys(node, path, first_line)
    lines = {
        str(key.value): first_line + key.start_mark.line
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }
    return YamlMapping({str(k): v for k, v in data.items()}, lines, SourcePos(path, first_line))


def _dump_library(data: Any) -> str:
    """Return data as PyYAML dumps it with the settings of every page (see dump_yaml)."""
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
        default_flow_style=False,
    )
    return text


_STR_TAG = "tag:yaml.org,2002:str"
_IMPLICIT_FIRST = frozenset(_Dumper.yaml_implicit_resolvers)
"""First characters of the plain scalars that may read as something else than a string (None:
the resolver tries every scalar)."""
_SIMPLE_RE = re.compile(r"[\x20-\x7e\u00a0-\u2027\u202a-\ud7ff]{1,4000}")
"""Text the emitter writes as it is, plain or single-quoted: printable, no line break (U+2028 and
U+2029 are breaks to YAML; the emitter escapes tabs and characters past U+D7FF), and far shorter
than `width`, so it is never folded."""
_RESOLVER = yaml.resolver.Resolver()
"""Resolves implicit tags as the dumper does; `resolve` reads only its class's rules."""
_PLAIN_KEY_RE = re.compile(r"[a-z_]{1,64}")
"""Keys written the fast way: plain and short enough to stay simple keys."""


def _quoted(text: str) -> bool:
    """Tell whether the emitter must quote a simple text (see _SIMPLE_RE) in block context.

    These are libyaml's rules (`yaml_emitter_analyze_scalar`): a text that would read as another
    type, space at either end, an indicator first, `: ` or ` #` inside, or a `:` last.
    """
    if None in _IMPLICIT_FIRST or text[0] in _IMPLICIT_FIRST:
        tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if tag != _STR_TAG:
            return True
    second = text[1:2]
    return (
        text[0] == " "
        or text[-1] == " "
        or text[0] in "#,[]{}&*!|>'\"%@`"
        or (text[0] in "?:-" and second in ("", " "))
        or text.startswith(("---", "..."))
        or ": " in text
        or text[-1] == ":"
        or " #" in text
    )


def _plain_key(key: Any) -> bool:
    """Tell whether a key is one the fast way writes (see _PLAIN_KEY_RE), unquoted."""
    return type(key) is str and _PLAIN_KEY_RE.fullmatch(key) is not None and not _quoted(key)


def _scalar(value: Any) -> str | None:
    """Return a scalar as the dumper writes it in block context, or None when not sure."""
    if type(value) is str:
        if not _SIMPLE_RE.fullmatch(value):
            return None
        return "'" + value.replace("'", "''") + "'" if _quoted(value) else value
    if type(value) is int:
        return str(value)
    if type(value) is dt.date:
        return value.isoformat()
    if value is None:
        return "null"
    return None


def _item(value: Any) -> str | None:
    """Return a sequence item as the dumper writes it (`- ...` lines), or None when not sure."""
    if type(value) is not dict:
        text = _scalar(value)
        return None if text is None else f"- {text}\n"
    lines = []
    for key, item in value.items():
        text = _scalar(item)
        if text is None or not _plain_key(key):
            return None
        lines.append(f"{key}: {text}\n")
    return "- " + "  ".join(lines) if lines else None


def _field(key: str, value: Any) -> str:
    """Return one top-level `key: value` as dump_yaml writes it."""
    if type(value) is list:
        if not value:
            return f"{key}: []\n"
        items = [_item(item) for item in value]
        if None not in items:
            return f"{key}:\n" + "".join(items)  # type: ignore[arg-type]
    else:
        text = _scalar(value)
        if text is not None:
            return f"{key}: {text}\n"
    return _dump_library({key: value})


def dump_yaml(data: Any) -> str:
    """Return deterministic, readable block YAML (keys in the given order, Unicode kept).

    The bytes are PyYAML's (`yaml.dump` with libyaml's emitter, block style, width 10,000). A
    mapping of plain keys is written a field at a time: the strings, numbers, dates and nulls it
    can write exactly (short one-line text, see _quoted) without PyYAML's representer, which
    costs more than the rest of an import's page, and every other field by PyYAML itself.
    """
    if type(data) is not dict or not data:
        return _dump_library(data)
    return "".join(
        _field(key, value) if _plain_key(key) else _dump_library({key: value})
        for key, value in data.items()
    )
