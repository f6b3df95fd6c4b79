#!/usr/bin/env python3
"""Import cycles between a crate's top-level modules.

Each crate's top-level modules (a file `src/x.rs` or a folder `src/x/`) are the nodes; a file
naming `crate::y` (in a `use` or inline) is an edge from its top-level module to `y`. A cycle
between two of them means neither can be read, tested or moved without the other: the seams
this project keeps are a graph without cycles. Inside one folder, files may import each other
(a folder is one concern). Comments (doc links) are not imports. Test-only code (`#[cfg(test)]` modules and files) is left out: a
test may reach anywhere.

Usage: scripts/import-cycles.py [CRATE_DIR ...]   (default: every crate under crates/ and web/)
Prints each cycle with the imports that make it; exits 1 when there is one.
"""

import re
import sys
from pathlib import Path

TEST_MODULE = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+(\w+)\s*;")
INLINE_TESTS = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+\w+\s*\{")
USE_GROUP = re.compile(r"\bcrate::\{")
CRATE_PATH = re.compile(r"\bcrate::(\w+)")
COMMENT = re.compile(r"//.*")


def test_only_files(src: Path) -> set:
    """Files declared behind `#[cfg(test)] mod name;`."""
    found = set()
    for path in src.rglob("*.rs"):
        folder = path.parent if path.name in ("mod.rs", "lib.rs", "main.rs") else path.with_suffix("")
        for name in TEST_MODULE.findall(path.read_text()):
            for candidate in (folder / f"{name}.rs", folder / name / "mod.rs"):
                found.add(candidate)
            found.update((folder / name).rglob("*.rs"))
    return found


def strip_inline_tests(text: str) -> str:
    """The text without its inline `#[cfg(test)] mod … { … }` blocks."""
    while (match := INLINE_TESTS.search(text)) is not None:
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[: match.start()] + text[end + 1 :]
    return text


def grouped_names(text: str):
    """The first names of every `crate::{a::…, b, …}` group, at the group's own depth."""
    for match in USE_GROUP.finditer(text):
        depth, token = 1, ""
        for char in text[match.end() :]:
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    break
            if depth == 1 and (char.isalnum() or char == "_"):
                token += char
                continue
            if depth == 1 and token and char in ":,}\n \t":
                yield token
            if char in ",{":
                token = ""
            if depth > 1:
                token = ""
        if token:
            yield token


def top_level_modules(src: Path) -> set:
    """`x` for every `src/x.rs` and `src/x/`, the crate's root file left out."""
    files = {p.stem for p in src.glob("*.rs")} - {"lib", "main"}
    return files | {p.name for p in src.iterdir() if p.is_dir()}


def edges(src: Path):
    """(from, to, file) for every import of another top-level module."""
    tests = test_only_files(src)
    modules = top_level_modules(src)
    for path in sorted(src.rglob("*.rs")):
        relative = path.relative_to(src)
        if path in tests or len(relative.parts) == 1 and relative.stem in ("lib", "main"):
            continue
        node = relative.parts[0].removesuffix(".rs")
        text = COMMENT.sub("", strip_inline_tests(path.read_text()))
        names = set(CRATE_PATH.findall(text)) | set(grouped_names(text))
        for name in sorted(names & modules - {node}):
            yield node, name, relative


def cycles(graph: dict):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    crates = [Path(a) for a in sys.argv[1:]] or sorted(
        p.parent for p in root.glob("crates/*/src") if p.is_dir()
    ) + [root / "web"]
    failed = False
    for crate in crates:
        src = crate / "src"
        graph, why = {}, {}
        for source, target, file in edges(src):
            graph.setdefault(source, set()).add(target)
            why.setdefault((source, target), []).append(str(file))
        found = cycles(graph)
        for component in found:
            failed = True
            print(f"{crate.name}: import cycle between {', '.join(component)}")
            for (source, target), files in sorted(why.items()):
                if source in component and target in component:
                    print(f"  {source} -> {target}: {', '.join(sorted(set(files)))}")
        if not found:
            print(f"{crate.name}: {len(top_level_modules(src))} top-level modules, no import cycle")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
