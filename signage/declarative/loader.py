"""YAML reading that remembers line numbers, so every error can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 2 * 1024 * 1024


class ImportProblem(ValueError):
    """Something in an imported folder is wrong; the message names file and line."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = str(path), line, problem


class Node(dict[str, Any]):
    """A YAML mapping that knows the file and line it started on."""

    path: str = ""
    line: int = 0

    def problem(self, message: str) -> ImportProblem:
        return ImportProblem(self.path, self.line, message)


def load_yaml(path: Path) -> Any:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportProblem(path, None, f"file is larger than {MAX_FILE_BYTES // 1024} KiB")

    class Loader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Node:
        loader.flatten_mapping(node)
        result = Node()
        result.path, result.line = str(path), node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise ImportProblem(path, key_node.start_mark.line + 1, f"key {key!r} must be text")
            if key in result:
                raise ImportProblem(
                    path, key_node.start_mark.line + 1, f"key {key!r} appears twice"
                )
            result[key] = loader.construct_object(value_node, deep=True)
        return result

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportProblem(path, None, "file is not UTF-8 text") from exc
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ImportProblem(path, line, f"not valid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise ImportProblem(path, None, f"not valid YAML: {exc}") from exc


def require_node(value: Any, where: Node | Path, what: str) -> Node:
    if not isinstance(value, Node):
        if isinstance(where, Node):
            raise where.problem(f"{what} must be a mapping (key: value)")
        raise ImportProblem(where, None, f"{what} must be a mapping (key: value)")
    return value


def yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
