"""The analyser's rules: identifiers, titles and the help text shown in SARIF and ``guard scan``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    help: str


_RULES = (
    Rule(
        "untrusted-checkout-exec",
        "Privileged workflow runs a pull request's code",
        "A workflow that an outsider can start, and that holds secrets or a write-capable token, checks out "
        "the pull request's code and then runs it (build tools, scripts, local actions, tools that load "
        "configuration as code). The pull request's author controls that code.",
    ),
    Rule(
        "untrusted-checkout",
        "Privileged workflow checks out a pull request's code",
        "A privileged workflow checks out the pull request's code without running it in a later step. Any "
        "future step that runs a tool in that tree, and the persisted token in .git/config, are exposed.",
    ),
    Rule(
        "approval-toctou",
        "Approval does not pin the code that runs",
        "A label, a maintainer's comment or a dispatch approves a pull request, but the job then checks out "
        "a mutable ref (the branch, refs/pull/N/head, a head looked up at run time). The author can push "
        "between the approval and the checkout, and the new code runs with the job's secrets.",
    ),
    Rule(
        "expression-injection",
        "Outsider-controlled text is interpolated into code",
        "A ${{ }} expression that an outsider controls (an issue title, a comment, a branch name, an "
        "artifact's contents) is pasted into a shell script or JavaScript before it runs, so quotes and "
        "command substitutions in that text become code.",
    ),
    Rule(
        "artifact-poisoning",
        "Privileged workflow runs or trusts an artifact from an untrusted run",
        "A workflow_run (or other privileged) job downloads an artifact that a pull request's run produced "
        "into the workspace and then runs tools there, so files in the artifact replace trusted ones.",
    ),
    Rule(
        "untrusted-env-write",
        "Untrusted data is written to GITHUB_ENV or GITHUB_PATH",
        "Lines written to GITHUB_ENV or GITHUB_PATH set environment variables and PATH entries for every "
        "later step; an outsider who controls them (with a newline, or an artifact's file) can set "
        "variables such as NODE_OPTIONS, LD_PRELOAD or BASH_ENV and run code.",
    ),
    Rule(
        "self-hosted-fork",
        "Self-hosted runner reachable from fork pull requests",
        "A job on a self-hosted runner runs for pull requests from forks. On pull_request the fork's own "
        "copy of the workflow runs, so the contributor chooses what runs on your machine.",
    ),
    Rule(
        "secrets-inherit",
        "Reusable workflow receives every secret",
        "secrets: inherit passes all of the repository's and organisation's secrets to the called workflow.",
    ),
    Rule(
        "secrets-tojson",
        "Every secret is expanded at once",
        "toJSON(secrets) or a computed secrets[...] index exposes all secrets to the step.",
    ),
    Rule(
        "secrets-outside-environment",
        "Secrets used by a privileged trigger without an environment",
        "A job started by an outsider-reachable trigger reads repository secrets without an environment, so "
        "no deployment protection rule or reviewer stands between the trigger and the secret.",
    ),
    Rule(
        "excessive-permissions",
        "Privileged workflow with a broad token",
        "A workflow started by an outsider-reachable trigger has no permissions: block (the repository "
        "default, often read and write) or grants write-all.",
    ),
    Rule(
        "spoofable-actor-check",
        "github.actor compared with a bot",
        "github.actor is whoever caused the latest event, not the pull request's author; an outsider can "
        "make a bot the actor (for example by asking Dependabot to rebase their branch).",
    ),
    Rule(
        "unpinned-action",
        "Action not pinned to a commit",
        "A tag or branch of a third-party action can be moved to new code at any time; only a full commit "
        "SHA pins what runs with the job's secrets.",
    ),
    Rule(
        "unfollowed-reference",
        "Local action or reusable workflow not available",
        "A uses: ./... reference could not be followed because its file was not among the scanned files.",
    ),
    Rule(
        "invalid-workflow",
        "File could not be analysed",
        "The file is not valid YAML, exceeds a safety limit, or is not a workflow or action GitHub accepts. "
        "It was not analysed, so nothing about its safety is known.",
    ),
    Rule(
        "suppression-without-reason",
        "Suppression comment without a reason",
        "A '# guard: ignore[rule]' comment must give a reason after the closing bracket; without one it is "
        "not honoured.",
    ),
)

RULES: Mapping[str, Rule] = {rule.id: rule for rule in _RULES}
