"""What shell text and actions do with the working tree: run code from it, put a pull request's code into
it, or write to the runner's environment files.

These are heuristics over the text of ``run:`` scripts (and command-like action inputs), split into
simple commands. They aim at tools that execute code from the checked-out tree, directly or through
configuration and build files the tree provides (``package.json`` scripts, ``conftest.py``,
``Makefile``, ``Dockerfile``, ESLint's JavaScript configuration...). Tools that only read the tree as
data (``yamllint``, ``shellcheck``, ``jq``, ``git diff``) are not execution.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

_SPLIT = re.compile(r"(?:&&|\|\||[;|\n()`]|\$\()")
_PREFIXES = frozenset(
    {
        "sudo",
        "time",
        "env",
        "nohup",
        "exec",
        "command",
        "xvfb-run",
        "timeout",
        "then",
        "do",
        "else",
        "!",
        "eval",
        "-E",
        "-a",
    }
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_DURATION = re.compile(r"^-|^\d+[smhd]?$")

# first word -> what runs; ``None`` means any use of the tool runs code from the tree
_TOOLS: Mapping[str, str] = {
    "npm": "npm runs package.json lifecycle scripts and the tree's .npmrc",
    "npx": "npx runs binaries the tree provides (node_modules/.bin, package.json)",
    "pnpm": "pnpm runs package.json scripts",
    "pnpx": "pnpx runs the tree's binaries",
    "yarn": "yarn runs package.json scripts and the tree's .yarnrc",
    "bun": "bun runs package.json scripts",
    "bunx": "bunx runs the tree's binaries",
    "corepack": "corepack reads package.json",
    "node": "node runs JavaScript",
    "deno": "deno runs scripts",
    "tsx": "tsx runs TypeScript",
    "ts-node": "ts-node runs TypeScript",
    "make": "make runs the tree's Makefile",
    "cmake": "cmake runs the tree's CMakeLists.txt",
    "ninja": "ninja runs build rules",
    "meson": "meson runs meson.build",
    "scons": "scons runs SConstruct",
    "bazel": "bazel runs BUILD rules",
    "bazelisk": "bazel runs BUILD rules",
    "just": "just runs the justfile",
    "task": "task runs Taskfile.yml",
    "mage": "mage runs magefiles",
    "rake": "rake runs the Rakefile",
    "invoke": "invoke runs tasks.py",
    "autoreconf": "autotools run configure.ac",
    "mvn": "Maven runs plugins configured in pom.xml",
    "gradle": "Gradle runs build.gradle",
    "ant": "ant runs build.xml",
    "sbt": "sbt runs build.sbt",
    "lein": "lein runs project.clj",
    "pytest": "pytest imports conftest.py and test modules",
    "py.test": "pytest imports conftest.py",
    "tox": "tox installs and runs the project",
    "nox": "nox runs noxfile.py",
    "hatch": "hatch builds the project",
    "poetry": "poetry installs the project",
    "pipenv": "pipenv installs from the Pipfile",
    "pdm": "pdm installs the project",
    "pre-commit": "pre-commit runs hooks the tree configures",
    "mkdocs": "mkdocs loads plugins and hooks from mkdocs.yml",
    "sphinx-build": "sphinx-build executes conf.py",
    "jupyter": "jupyter loads jupyter_*_config.py from the working directory",
    "jupyter-book": "jupyter-book executes notebooks",
    "ipython": "ipython runs code",
    "ruby": "ruby runs scripts",
    "bundle": "bundler evaluates the Gemfile",
    "bundler": "bundler evaluates the Gemfile",
    "rails": "rails runs the application",
    "rspec": "rspec runs specs",
    "fastlane": "fastlane runs the Fastfile",
    "danger": "danger runs the Dangerfile",
    "pod": "CocoaPods evaluates the Podfile",
    "php": "php runs scripts",
    "composer": "composer runs composer.json scripts",
    "phpunit": "phpunit runs tests",
    "dotnet": "dotnet runs MSBuild targets from the project",
    "msbuild": "MSBuild runs project targets",
    "nuget": "NuGet restore runs MSBuild",
    "docker-compose": "compose builds images from the tree",
    "podman": "podman builds the tree's Containerfile",
    "buildah": "buildah builds the tree's Containerfile",
    "terraform": "terraform runs providers and external data sources from the tree",
    "tofu": "OpenTofu runs providers from the tree",
    "terragrunt": "terragrunt runs terraform",
    "packer": "packer runs provisioners",
    "ansible-playbook": "ansible runs playbooks from the tree",
    "forge": "forge compiles and runs tests, and ffi can run shell",
    "hardhat": "hardhat runs hardhat.config.js",
    "truffle": "truffle runs truffle-config.js",
    "vercel": "vercel build runs the project's build scripts",
    "netlify": "netlify build runs the project's build command",
    "wrangler": "wrangler builds the project",
    "firebase": "firebase runs predeploy hooks from firebase.json",
    "jest": "jest loads jest.config.js",
    "vitest": "vitest loads vite.config",
    "mocha": "mocha runs tests",
    "eslint": "ESLint loads JavaScript configuration and plugins",
    "prettier": "prettier loads JavaScript config",
    "webpack": "webpack runs webpack.config.js",
    "vite": "vite runs vite.config",
    "rollup": "rollup runs its config",
    "next": "next runs next.config.js",
    "nuxt": "nuxt runs nuxt.config",
    "gatsby": "gatsby runs gatsby-config",
    "ng": "Angular CLI runs builders",
    "stylelint": "stylelint loads JavaScript config",
    "commitlint": "commitlint loads commitlint.config.js",
    "markdownlint-cli2": "markdownlint-cli2 loads .cjs config",
    "cspell": "cspell loads JavaScript config",
    "lerna": "lerna runs package scripts",
    "nx": "nx runs targets",
    "turbo": "turbo runs package scripts",
    "playwright": "playwright loads its config and tests",
    "cypress": "cypress runs tests",
    "karma": "karma loads karma.conf.js",
    "tsc": "tsc loads plugins from tsconfig",
    "perl": "perl runs scripts",
    "rscript": "R runs scripts",
    "julia": "julia runs scripts",
    "lua": "lua runs scripts",
    "xcodebuild": "xcodebuild runs build phases",
    "flutter": "flutter builds the project",
    "dart": "dart runs the project",
    "mix": "mix runs mix.exs",
    "elixir": "elixir runs scripts",
    "rebar3": "rebar3 runs the build",
    "stack": "stack builds the project",
    "cabal": "cabal builds the project",
    "zig": "zig runs build.zig",
    "nix": "nix evaluates the tree's expressions",
    "nix-build": "nix evaluates",
    "sonar-scanner": "the scanner reads sonar-project.properties, which can name executables",
    "golangci-lint": "golangci-lint loads plugins from its config",
    "rubocop": "rubocop requires files from config",
    "pylint": "pylint loads plugins from config",
    "flake8": "flake8 loads local plugins",
    "mypy": "mypy loads plugins from config",
    "bats": "bats runs test scripts",
    "codeql": "codeql builds the code",
    "swift": "swift builds the package",
    "uv": "uv installs and runs the project",
}
_SUBCOMMANDS: Mapping[str, tuple[frozenset[str], str]] = {
    "cargo": (
        frozenset({"fmt", "--version", "-V", "search", "login", "publish", "yank", "owner", "version"}),
        "cargo runs build.rs scripts and tests",
    ),
    "go": (
        frozenset({"fmt", "version", "env", "mod", "help", "list", "doc", "work", "clean", "get"}),
        "go runs the tree's code, generators and tests",
    ),
    "docker": (
        frozenset(
            {
                "login",
                "logout",
                "pull",
                "push",
                "tag",
                "images",
                "ps",
                "version",
                "info",
                "inspect",
                "manifest",
                "rmi",
                "rm",
                "stop",
                "kill",
                "logs",
                "save",
                "load",
                "network",
                "volume",
            }
        ),
        "docker builds or runs the tree's Dockerfile or mounts",
    ),
}
_NO_EXEC_ARGS: Mapping[str, frozenset[str]] = {
    "npm": frozenset(
        {
            "view",
            "info",
            "show",
            "whoami",
            "--version",
            "-v",
            "config",
            "search",
            "dist-tag",
            "token",
            "owner",
            "access",
            "login",
            "logout",
            "ping",
        }
    ),
    "yarn": frozenset({"--version", "-v", "info", "config"}),
    "pnpm": frozenset({"--version", "-v", "config"}),
    "node": frozenset({"--version", "-v", "-p", "-e", "--print", "--eval"}),
}
_PACKAGE_MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})
_INSTALLS = frozenset({"install", "ci", "i", "add"})
_INTERPRETERS = frozenset(
    {
        "sh",
        "bash",
        "zsh",
        "dash",
        "ksh",
        "pwsh",
        "powershell",
        "source",
        ".",
        "python",
        "python2",
        "python3",
        "perl",
        "ruby",
        "node",
    }
)
_SCRIPT = re.compile(r"^(?:\./|\.\./|\$\{?GITHUB_WORKSPACE|\$\{\{\s*github\.workspace)|^[\w.-]+/[\w./-]+$")
_PYTHON = re.compile(r"^python(?:\d(?:\.\d+)?)?$")
_PIP = re.compile(r"^pip(?:\d(?:\.\d+)?)?$")
_PIP_LOCAL = re.compile(
    r"(?:^|\s)(?:-e|--editable|-r|--requirement|-c|--constraint|\.{1,2}(?:/\S*)?|\./\S+)(?:\s|$)"
)

ENV_FILES = ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT")
_ENV_WRITE = re.compile(
    r"(?:>>?|tee\s+(?:-a\s+)?|-(?:File)?Path\s+|Out-File\s+(?:-\S+\s+)*)\s*[\"']?\$\{?(?:env:)?"
    r"(GITHUB_ENV|GITHUB_PATH|GITHUB_OUTPUT)\b",
    re.IGNORECASE,
)

_GIT_FETCH_PR = re.compile(r"\bgit\s+(?:-C\s+\S+\s+)?(?:fetch|pull)\b[^\n]*")
_PR_REFS = re.compile(r"(?:refs/)?pull/(?:\$\{\{[^}]*\}\}|[^\s/]+)/(?:head|merge)\b|\bFETCH_HEAD\b")
_TREE_VERBS = re.compile(
    r"\bgit\s+(?:-C\s+\S+\s+)?(?:checkout|switch|reset\s+--hard|merge|rebase|pull|"
    r"worktree\s+add|cherry-pick|am|restore\s+--source)\b"
)
_CLONE = re.compile(r"\bgit\s+clone\b")
_PR_CLI = re.compile(r"\b(?:gh|hub)\s+pr\s+checkout\b")


@dataclass(frozen=True)
class Command:
    """One simple command of a script: its words and where it starts in the script."""

    words: tuple[str, ...]
    offset: int


def commands(script: str) -> Iterator[Command]:
    """Simple commands of a shell script, with leading assignments and wrappers removed."""
    position = 0
    for piece in _SPLIT.split(script):
        offset = script.find(piece, position)
        position = offset + len(piece) if offset >= 0 else position
        words = _words(piece)
        if words:
            yield Command(words, max(offset, 0))


def _words(piece: str) -> tuple[str, ...]:
    words = [w.strip("\"'") for w in piece.split()]
    while words and (words[0] in _PREFIXES or _ASSIGNMENT.match(words[0]) or _DURATION.match(words[0])):
        words.pop(0)
    if not words or words[0].startswith("#"):
        return ()
    return tuple(words)


@lru_cache(maxsize=4096)
def execution(script: str) -> tuple[Command, str] | None:
    """The first command that runs code from the working tree, and why."""
    for command in commands(script):
        reason = _runs_tree(command.words)
        if reason:
            return command, reason
    return None


def program(words: tuple[str, ...]) -> str:
    """The file a command runs: the script an interpreter is given, or the command itself."""
    tool = words[0].rsplit("/", 1)[-1].lower()
    interpreted = tool in _INTERPRETERS or _PYTHON.match(tool)
    return words[1] if interpreted and len(words) > 1 and not words[1].startswith("-") else words[0]


def _runs_tree(words: tuple[str, ...]) -> str | None:
    tool, args = words[0].rsplit("/", 1)[-1].lower(), words[1:]
    if _SCRIPT.match(words[0]) and not words[0].startswith("/"):
        return f"runs {words[0]} from the working tree"
    if tool in _INTERPRETERS and args and (_SCRIPT.match(args[0]) or _is_local_file(args[0])):
        return f"runs {args[0]} from the working tree"
    if _PYTHON.match(tool) and args and args[0] in ("-m", "-c"):
        return "python -m/-c puts the working directory first on the module path"
    if _PIP.match(tool) and "install" in args and _PIP_LOCAL.search(" ".join(args)):
        return "pip installs the tree's project or requirements, which runs its build code"
    return _tool_reason(tool, args)


def _tool_reason(tool: str, args: tuple[str, ...]) -> str | None:
    if tool in ("gradlew", "mvnw") or tool.endswith((".sh", ".py", ".js", ".ps1")):
        return f"runs {tool} from the working tree"
    if tool in _NO_EXEC_ARGS and args and args[0] in _NO_EXEC_ARGS[tool]:
        return None
    if tool in _PACKAGE_MANAGERS and "--ignore-scripts" in args and args[0] in _INSTALLS:
        return None  # installs without running lifecycle scripts
    if tool in _TOOLS and not (args and args[0] in ("--version", "-V", "--help")):
        return _TOOLS[tool]
    if tool in _SUBCOMMANDS:
        skipped, reason = _SUBCOMMANDS[tool]
        return reason if args and args[0] not in skipped else None
    return None


def _is_local_file(word: str) -> bool:
    return bool(re.match(r"^[\w.-]+\.(?:sh|py|js|mjs|cjs|ts|rb|pl|ps1|bash)$", word))


def env_file_writes(script: str) -> Iterator[tuple[str, int, str]]:
    """``(file, offset, line)`` for each line that appends to ``GITHUB_ENV``, ``GITHUB_PATH`` or
    ``GITHUB_OUTPUT``."""
    offset = 0
    for line in script.splitlines(keepends=True):
        for match in _ENV_WRITE.finditer(line):
            yield match.group(1).upper(), offset, line.strip()
        offset += len(line)


@lru_cache(maxsize=4096)
def pr_checkout(script: str) -> str | None:
    """How the script puts a pull request's code into the tree (``gh pr checkout``, fetching a
    ``pull/N/head`` ref and checking it out, cloning another repository), if it does."""
    if _PR_CLI.search(script):
        return "checks out the pull request with the GitHub CLI"
    fetch = next((m for m in _GIT_FETCH_PR.finditer(script) if _PR_REFS.search(m.group(0))), None)
    if fetch and _TREE_VERBS.search(script[fetch.start() :]):
        return "fetches a pull request ref and checks it out"
    return None


@lru_cache(maxsize=4096)
def changes_tree(script: str) -> bool:
    """Whether the script runs a git command that replaces the checked-out files."""
    return bool(_TREE_VERBS.search(script) or _CLONE.search(script))
