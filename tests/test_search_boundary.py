"""Other packages use search_index through its public names only, never its modules.

The rule: outside search_index/, code imports `search_index` (or names from it) and
nothing else of it — no `search_index.indexer`, no `from search_index import query`,
no `search_index.searchers.…` attribute access. Only tests of the index itself may
reach inside (ALLOWED below): analysis, ranking, the outbox and index folders.
"""
import ast
import os
import pkgutil

import search_index

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "search_index"
SKIPPED_DIRS = {PACKAGE, "node_modules", "instance", "__pycache__"}
ALLOWED = {
    "tests/test_search.py",  # analysis and ranking
    "tests/test_search_hostile.py",  # the time limit of a query
    "tests/test_search_sync.py",  # index folders, sync state, searchers
    "tests/test_search_outbox.py",  # outbox rows and sync calls
    "tests/test_scale_out.py",  # several index folders following one outbox
    # Frozen copies of the matching code as it was, the baseline the matching benchmark compares with.
    "bench/engine_baseline.py", "bench/candidates_baseline.py",
}
SUBMODULES = {info.name for info in pkgutil.iter_modules(search_index.__path__)}


def python_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, ROOT).replace(os.sep, "/"), path


def reaches_inside(tree) -> list[str]:
    """Each place `tree` imports or touches a module of search_index."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if a.name.startswith(PACKAGE + ".")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith(PACKAGE + "."):
                found.append(f"line {node.lineno}: from {node.module} import …")
            elif node.module == PACKAGE:
                found += [f"line {node.lineno}: from {PACKAGE} import {a.name}" for a in node.names
                          if a.name in SUBMODULES]
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == PACKAGE
              and node.attr in SUBMODULES):
            found.append(f"line {node.lineno}: {PACKAGE}.{node.attr}")
    return found


def test_the_walk_sees_the_project_and_the_submodules():
    files = {rel for rel, _path in python_files()}
    assert {"marketplace/matching/engine.py", "bench/search_bench.py", "tests/conftest.py"} <= files
    assert not any(rel.startswith(PACKAGE + "/") for rel in files)
    assert {"indexer", "query", "searchers", "analysis", "schema", "filters"} <= SUBMODULES


def test_the_check_catches_every_form():
    source = ("import search_index.indexer\nfrom search_index.query import term_docs\n"
              "from search_index import searchers, search\nimport search_index\nsearch_index.indexer.rebuild(app)\n"
              "search_index.search('result')\n")
    assert len(reaches_inside(ast.parse(source))) == 4


def test_nothing_outside_search_index_imports_its_modules():
    offenders = {}
    for rel, path in python_files():
        if rel in ALLOWED:
            continue
        with open(path, encoding="utf-8") as handle:
            found = reaches_inside(ast.parse(handle.read(), filename=rel))
        if found:
            offenders[rel] = found
    assert offenders == {}


def test_allowed_files_exist():
    files = {rel for rel, _path in python_files()}
    assert ALLOWED <= files
