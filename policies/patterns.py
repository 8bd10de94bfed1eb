"""The glob grammar shared by branch, ref, path and runner-label patterns, with checks that explain mistakes.

``*`` matches any run of characters except ``/``, ``**`` also crosses ``/`` (``dir/**`` is everything under
``dir``, ``**/name`` is ``name`` in any directory), ``?`` is one character except ``/``, and ``[abc]`` or
``[!abc]`` is a character class. This is GitHub's branch-rule fnmatch with ``FNM_PATHNAME``, so a pattern
means the same here as in a ruleset. ``~default`` names the repository's default branch.
"""

from __future__ import annotations

import functools
import re

DEFAULT_BRANCH = "~default"
MAX_ENTRIES = 200  # per list or mapping in guard.yml: far above real use, and keeps every step fast
_REF_PREFIXES = ("refs/heads/", "refs/tags/")
_BAD_REF_CHARS = " \\:^~"  # characters git refuses in ref names (besides the glob characters)
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_BOT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\[bot\]$")
_TEAM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a well-formed glob, or None."""
    if not pattern:
        return "must not be empty"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in pattern):
        return "contains a control character"
    index = 0
    while index < len(pattern):
        if pattern[index] == "[":
            close = _class_end(pattern, index)
            if close < 0:
                return f"has a '[' at offset {index} that is never closed"
            index = close
        index += 1
    return None


def branch_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot name branches, or None; branch patterns are names, never ``refs/...``."""
    if pattern == DEFAULT_BRANCH:
        return None
    if pattern.startswith("~"):
        return f"unknown special pattern {pattern!r}; the only one is '~default'"
    if pattern.startswith("refs/"):
        return f"is a ref, not a branch name: write {pattern.removeprefix('refs/heads/')!r}"
    return glob_problem(pattern) or _ref_name_problem(pattern)


def ref_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot name refs, or None: a branch pattern or a refs/heads/ or refs/tags/ glob."""
    if pattern.startswith("refs/") and not pattern.startswith(_REF_PREFIXES):
        return "names a ref outside refs/heads/ and refs/tags/"
    if pattern.startswith(_REF_PREFIXES):
        rest = pattern.split("/", 2)[2]
        return (
            "names no branch or tag after the prefix"
            if not rest
            else (glob_problem(rest) or _ref_name_problem(rest))
        )
    return branch_pattern_problem(pattern)


def path_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot match repository paths, or None; paths are relative to the repository root."""
    problem = glob_problem(pattern)
    if problem:
        return problem
    if pattern.startswith("/"):
        return f"starts with '/'; paths are relative to the repository root: write {pattern.lstrip('/')!r}"
    if pattern.endswith("/"):
        return f"ends with '/'; to match everything in a directory write '{pattern}**'"
    if "\\" in pattern:
        return "contains '\\'; use '/' between directories"
    if any(part in ("", ".", "..") for part in pattern.split("/")):
        return "contains an empty, '.' or '..' path segment"
    return None


def login_problem(login: str) -> str | None:
    if _LOGIN.match(login):
        return None
    return "is not a GitHub user name (letters, digits and single hyphens, at most 39)"


def bot_problem(login: str) -> str | None:
    if _BOT.match(login):
        return None
    return "is not a bot account name such as 'renovate[bot]'"


def team_problem(slug: str) -> str | None:
    if _TEAM.match(slug):
        return None
    return "is not a team slug (lowercase letters, digits, '-' and '_', such as 'platform-security')"


def match_path(pattern: str, path: str) -> bool:
    """True when the repository path ``path`` matches the glob ``pattern``."""
    return _compiled(pattern).fullmatch(path) is not None


def match_branch(pattern: str, branch: str, default_branch: str) -> bool:
    """True when ``branch`` (a name, not a ref) matches a branch pattern."""
    if pattern == DEFAULT_BRANCH:
        return branch == default_branch
    return _compiled(pattern).fullmatch(branch) is not None


def match_ref(pattern: str, ref: str, default_branch: str) -> bool:
    """True when the full ref ``ref`` (``refs/heads/x`` or ``refs/tags/y``) matches a ref pattern."""
    if pattern.startswith("refs/"):
        return _compiled(pattern).fullmatch(ref) is not None
    branch = ref.removeprefix("refs/heads/")
    return branch != ref and match_branch(pattern, branch, default_branch)


def _ref_name_problem(name: str) -> str | None:
    bad = next((ch for ch in name if ch in _BAD_REF_CHARS), None)
    if bad:
        return f"contains {bad!r}, which git does not allow in branch names"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "has an empty part between '/'"
    if ".." in name or "@{" in name or name.endswith((".", ".lock")):
        return "is not a valid git ref name ('..', '@{' or a trailing '.'/'.lock')"
    return None


def _class_end(pattern: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start``, or -1."""
    index = start + 1
    if index < len(pattern) and pattern[index] == "!":
        index += 1
    if index < len(pattern) and pattern[index] == "]":
        index += 1
    return pattern.find("]", index)


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        ch = pattern[index]
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            parts.append(".*")
            index += 2
            continue
        if ch == "[" and _class_end(pattern, index) > 0:
            close = _class_end(pattern, index)
            body = pattern[index + 1 : close]
            negate = body.startswith("!")
            body = re.escape(body[1:] if negate else body).replace("\\-", "-")
            parts.append(f"[^/{body}]" if negate else f"[{body}]")
            index = close + 1
            continue
        parts.append({"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch)))
        index += 1
    return re.compile("".join(parts), re.DOTALL)
