"""Recognise steps that put a pull request's code into the working tree, and later steps that run it."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from policies.workflows import actions, commands
from policies.workflows.contexts import Head
from policies.workflows.runs import FlatStep, JobRun
from policies.workflows.taint import Kind, Taint
from policies.yaml_source import Scalar

_PULL_REF = re.compile(r"(?:refs/)?pull/(?:\$\{\{[^}]*\}\}|[^/\s]+)/(?:head|merge)")
_WRITER_HEADS = re.compile(
    r"(?:pr|pull|head)[\w.-]*(?:ref|branch|number|num|id)\b|\bref\b|\bbranch\b", re.IGNORECASE
)
_WRITER_SHA = re.compile(r"sha\b", re.IGNORECASE)
_BRANCH_OUTPUT = re.compile(r"(?:ref|branch|head_ref|headrefname)\)$", re.IGNORECASE)
_PUSH = re.compile(r"\bgit\s+(?:-C\s+\S+\s+)?push\b(?:\s+-\S+)*\s+[\"']?origin\b([^\n;&|]*)")
_NEW_BRANCH = re.compile(r"\bgit\s+(?:checkout\s+-[bB]|switch\s+-[cC]|branch\s+(?!-)\S)")
_REQUIRE_LOCAL = re.compile(
    r"require\(\s*[`'\"](?:\./|\.\./|\$\{\s*process\.env\.GITHUB_WORKSPACE)|"
    r"require\(\s*(?:path\.join\()?\s*process\.(?:cwd\(\)|env\.GITHUB_WORKSPACE)"
)


@dataclass(frozen=True)
class PrCheckout:
    """A step that brings a pull request's code into the tree."""

    flat: FlatStep
    how: str
    mutable: bool  # the code is whatever the pull request's head is when the step runs
    path: str | None  # where in the workspace it lands (``None``: the workspace itself)
    runtime_lookup: bool = False  # the head was looked up through the API at run time


def find_checkout(flat: FlatStep) -> PrCheckout | None:
    """The pull-request checkout ``flat`` performs, if any (worked out once per step and job)."""
    slot = ("find_checkout", id(flat.scope))
    if slot not in flat.step.memo:
        flat.step.memo[slot] = _find_checkout(flat)
    found: PrCheckout | None = flat.step.memo[slot]
    return dataclasses.replace(found, flat=flat) if found is not None and found.flat is not flat else found


def _find_checkout(flat: FlatStep) -> PrCheckout | None:
    step = flat.step
    if step.action == actions.CHECKOUT:
        return _checkout_action(flat)
    if step.run is not None:
        return _checkout_script(flat, step.run.text)
    return None


def _checkout_action(flat: FlatStep) -> PrCheckout | None:
    step, scope = flat.step, flat.scope
    ref_node, repo_node = step.input("ref"), step.input("repository")
    ref_text = ref_node.text.strip() if ref_node else ""
    ref = scope.text(ref_text, step) if ref_node else frozenset()
    repo = scope.text(repo_node.text, step) if repo_node else frozenset()
    path = checkout_path(step.input("path"))
    found = _by_ref(flat, ref_text, ref, path)
    if found is not None:
        return found
    if _heads(repo) & {Head.REPOSITORY} or _runtime(repo):
        what = ref_text or "the default branch"
        how = f"checks out {what} of the contributor's repository"
        return PrCheckout(flat, how, Head.SHA not in _heads(ref), path, runtime_lookup=bool(_runtime(repo)))
    unsafe = step.input("allow-unsafe-pr-checkout")
    if unsafe is not None and unsafe.text.strip().lower() == "true":
        return PrCheckout(flat, "checks out with allow-unsafe-pr-checkout: true", True, path)
    return None


def _by_ref(flat: FlatStep, ref_text: str, ref: Taint, path: str | None) -> PrCheckout | None:
    if _PULL_REF.search(ref_text) or _heads(ref) & {Head.NUMBER}:
        return PrCheckout(flat, f"checks out {ref_text}", True, path)
    if Head.SHA in _heads(ref):
        return PrCheckout(flat, f"checks out the pull request's head commit ({ref_text})", False, path)
    if _runtime(ref) and not all(_BRANCH_OUTPUT.search(o.detail) for o in _runtime(ref)):
        how = f"checks out {ref_text}, looked up from the pull request"
        return PrCheckout(flat, how, True, path, runtime_lookup=True)
    writer = _writer_head(ref)
    if writer is not None:
        return PrCheckout(flat, f"checks out {ref_text} from a dispatch input", writer, path)
    return None


def checkout_path(node: Scalar | None) -> str | None:
    """Where actions/checkout puts the code, relative to the workspace (``None``: the workspace)."""
    if node is None or node.text.strip() in ("", ".", "./"):
        return None
    return node.text.strip().strip("/")


def _checkout_script(flat: FlatStep, script: str) -> PrCheckout | None:
    how = commands.pr_checkout(script)
    if how is not None:
        return PrCheckout(flat, how, True, None)
    if not commands.changes_tree(script):
        return None
    taint = flat.scope.text(script, flat.step) | flat.scope.shell_env(script, flat.step)
    heads = _heads(taint)
    if heads & {Head.REPOSITORY, Head.NUMBER} or _runtime(taint):
        return PrCheckout(
            flat,
            "fetches and checks out the pull request's code with git",
            True,
            None,
            runtime_lookup=bool(_runtime(taint)),
        )
    if Head.SHA in heads:
        return PrCheckout(flat, "checks out the pull request's head commit with git", False, None)
    return None


def _heads(taint: Taint) -> set[Head]:
    return {origin.head for origin in taint if origin.head is not None}


def _runtime(taint: Taint) -> Taint:
    return frozenset(origin for origin in taint if origin.kind is Kind.PR_API)


def _writer_head(taint: Taint) -> bool | None:
    """For dispatch inputs: ``True`` for a mutable pull request ref, ``False`` for a commit SHA."""
    names = [o.detail for o in taint if o.kind is Kind.WRITER]
    if any(_WRITER_SHA.search(name) for name in names):
        return False
    if any(_WRITER_HEADS.search(name.rsplit(".", 1)[-1]) for name in names):
        return True
    return None


@dataclass(frozen=True)
class Execution:
    flat: FlatStep
    reason: str


def execution_after(run: JobRun, checkout: PrCheckout) -> Execution | None:
    """The first step after ``checkout`` that runs code from the checked-out tree."""
    new_branch = False
    for flat in run.steps[checkout.flat.position + 1 :]:
        if _restores_base(flat, checkout):
            return None
        script = flat.step.run.text if flat.step.run else ""
        new_branch = new_branch or bool(_NEW_BRANCH.search(script))
        found = runs_tree(flat, checkout.path) or _promotes(script, new_branch)
        if found is not None:
            return Execution(flat, found)
    return None


def _promotes(script: str, new_branch: bool) -> str | None:
    """A push of the checked-out code to a new branch of this repository (``origin``), where CI runs it with
    secrets; pushing back to the pull request's own branch is not."""
    for match in _PUSH.finditer(script):
        if new_branch or ":" in match.group(1):
            return "pushes the checked-out code to a new branch here, where CI runs it with secrets"
    return None


def _restores_base(flat: FlatStep, checkout: PrCheckout) -> bool:
    step = flat.step
    if step.action != actions.CHECKOUT or find_checkout(flat) is not None:
        return False
    return checkout_path(step.input("path")) == checkout.path


def runs_tree(flat: FlatStep, path: str | None) -> str | None:
    """Why a step runs code from the tree (or from ``path`` in it), if it does."""
    step = flat.step
    if step.uses is not None and step.uses.text.startswith("./"):
        target = step.uses.text[2:].strip("/")
        if path is None or target.startswith(path + "/") or target == path:
            return f"uses the local action {step.uses.text}, which comes from the checked-out tree"
        return None
    if path is None or _works_in(flat, path):
        return _tree_reason(flat)
    found = commands.execution(step.run.text) if step.run is not None else None
    if found and _under(commands.program(found[0].words), path):
        return f"runs `{' '.join(found[0].words[:4])}` from {path}/"
    return None


def _tree_reason(flat: FlatStep) -> str | None:
    step = flat.step
    if step.run is not None:
        found = commands.execution(step.run.text)
        return f"runs `{' '.join(found[0].words[:4])}`: {found[1]}" if found else None
    inputs = {name: value.text for name, value in step.with_.items()}
    reason = actions.executes_tree(step.action, inputs)
    if reason:
        return f"uses {step.action}, which {reason}"
    if step.action in actions.SCRIPT_ACTIONS:
        return (
            "its script loads a file from the checked-out tree"
            if _REQUIRE_LOCAL.search(inputs.get("script", ""))
            else None
        )
    for name, text in inputs.items():
        if name.lower() in actions.COMMAND_INPUTS:
            found = commands.execution(text)
            if found:
                return f"passes `{' '.join(found[0].words[:4])}` to {step.action} ({found[1]})"
    return None


def _works_in(flat: FlatStep, path: str) -> bool:
    """Whether the step runs inside ``path``: its working directory, a ``cd``, or an action input."""
    step = flat.step
    if step.working_directory is not None and _under(step.working_directory.strip(), path, inclusive=True):
        return True
    if step.run is not None:
        return bool(
            re.search(rf"\b(?:cd|pushd)\s+[\"']?(?:\./)?{re.escape(path)}(?:[/\"'\s;&|]|$)", step.run.text)
        )
    return any(_under(value.text.strip(), path, inclusive=True) for value in step.with_.values())


def _under(word: str, path: str, *, inclusive: bool = False) -> bool:
    """Whether ``word`` names ``path`` (with ``inclusive``) or something inside it."""
    word = word.removeprefix("./").strip("\"'")
    return word.startswith(path + "/") or (inclusive and word.rstrip("/") == path)
