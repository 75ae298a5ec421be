"""Safe YAML reading that keeps line numbers for messages."""

from __future__ import annotations

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


def _check_duplicate_keys(root: yaml.Node, path: str, first_line: int) -> None:
    """Raise every key written twice in one mapping, at any depth (YAML's "last wins" hides one)."""
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


def parse_yaml_mapping(text: str, path: str, first_line: int = 1) -> YamlMapping:
    """Parse text as a YAML mapping; refuse tags such as !!python/object; an empty text is {}."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
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


def dump_yaml(data: Any) -> str:
    """Return deterministic, readable block YAML (keys in the given order, Unicode kept)."""
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
        default_flow_style=False,
    )
    return text
