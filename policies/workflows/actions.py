"""What well-known actions do, as far as the rules care: check out code, download artifacts, evaluate
an input as code, run the checked-out tree, or check the actor's permission.

Names are ``owner/repo[/path]`` in lower case, without the ref.
"""

from __future__ import annotations

from collections.abc import Mapping

CHECKOUT = "actions/checkout"

# Inputs whose text is evaluated as code (expression injection sinks).
CODE_INPUTS: Mapping[str, frozenset[str]] = {
    "actions/github-script": frozenset({"script"}),
    "amadevus/pwsh-script": frozenset({"script"}),
    "jannekem/run-python-script-action": frozenset({"script"}),
    "cardinalby/js-eval-action": frozenset({"expression"}),
    "addnab/docker-run-action": frozenset({"run"}),
    "uraimo/run-on-arch-action": frozenset({"run"}),
    "appleboy/ssh-action": frozenset({"script"}),
    "nick-fields/retry": frozenset({"command"}),
    "wandalen/wretry.action": frozenset({"command"}),
    "reactivecircus/android-emulator-runner": frozenset({"script"}),
    "cypress-io/github-action": frozenset({"build", "start", "command"}),
    "mikefarah/yq": frozenset({"cmd"}),
}

# Actions whose ``script`` input is JavaScript or another language, not a shell command line.
SCRIPT_ACTIONS = frozenset(
    {"actions/github-script", "cardinalby/js-eval-action", "jannekem/run-python-script-action"}
)

# Actions that run code from the checked-out tree whatever their inputs, and why.
EXECUTES_TREE: Mapping[str, str] = {
    "docker/build-push-action": "builds the tree's Dockerfile",
    "docker/bake-action": "builds the tree's bake file",
    "burrunan/gradle-cache-action": "runs the tree's Gradle build",
    "gradle/gradle-build-action": "runs the tree's Gradle build",
    "eskatos/gradle-command-action": "runs the tree's Gradle build",
    "reactivecircus/android-emulator-runner": "runs its script in the tree",
    "golangci/golangci-lint-action": "golangci-lint loads plugins the tree configures",
    "pre-commit/action": "runs the hooks the tree's .pre-commit-config.yaml names",
    "sonarsource/sonarqube-scan-action": "the scanner reads sonar-project.properties from the tree",
    "sonarsource/sonarcloud-github-action": "the scanner reads sonar-project.properties from the tree",
    "github/codeql-action/autobuild": "builds the tree",
    "cypress-io/github-action": "installs the tree's dependencies and runs its scripts",
    "bahmutov/npm-install": "runs npm install in the tree",
    "borales/actions-yarn": "runs yarn in the tree",
    "actions-rs/cargo": "runs cargo in the tree",
    "actions-rs/clippy-check": "builds the tree with cargo",
    "goreleaser/goreleaser-action": "runs hooks from the tree's .goreleaser.yml",
    "jfrog/frogbot": "installs the tree's dependencies",
    "amondnet/vercel-action": "builds the tree",
    "super-linter/super-linter": "loads linter configuration (including JavaScript) from the tree",
    "github/super-linter": "loads linter configuration (including JavaScript) from the tree",
    "oxsecurity/megalinter": "loads linter configuration from the tree",
    "trunk-io/trunk-action": "runs the linters the tree configures",
    "changesets/action": "runs the tree's package scripts",
    "dawidd6/action-ansible-playbook": "runs a playbook from the tree",
    "paambaati/codeclimate-action": "runs the tree's coverage command",
    "snyk/actions": "runs the tree's package manager to resolve dependencies",
}
# Actions that run the tree only when an input asks them to.
EXECUTES_TREE_WHEN: Mapping[str, tuple[str, str]] = {
    "ruby/setup-ruby": (
        "bundler-cache",
        "bundler-cache runs bundle install, which evaluates the tree's Gemfile",
    ),
    "pnpm/action-setup": ("run_install", "run_install runs pnpm install in the tree"),
}
# Inputs of any action that hold a command to run.
COMMAND_INPUTS = frozenset(
    {
        "run",
        "script",
        "command",
        "cmd",
        "build",
        "start",
        "arguments",
        "install-command",
        "build-command",
        "test-command",
        "coveragecommand",
    }
)

ARTIFACT_DOWNLOADS = frozenset(
    {
        "actions/download-artifact",
        "dawidd6/action-download-artifact",
        "bettermarks/action-artifact-download",
        "aochmann/actions-download-artifact",
        "marcofaggian/action-download-multiple-artifacts",
    }
)

# Actions that check the actor's permission or membership: they fail the job, or set outputs that later
# steps' conditions test.
PERMISSION_CHECKS = frozenset(
    {
        "actions-cool/check-user-permission",
        "prince-chrismc/check-actor-permissions-action",
        "lannonbr/repo-permission-check-action",
        "sushichop/action-repository-permission",
        "tspascoal/get-user-teams-membership",
        "themoddinginquisition/actions-team-membership",
        "scherermichael-oss/action-has-permission",
    }
)

# Actions published by GitHub under these owners are commonly trusted without a pin.
DEFAULT_TRUSTED_OWNERS = ("actions", "github")


def executes_tree(action: str, inputs: Mapping[str, str]) -> str | None:
    """Why the action runs code from the checked-out tree, if it does."""
    for name, reason in EXECUTES_TREE.items():
        if action == name or action.startswith(name + "/"):
            return reason
    condition = EXECUTES_TREE_WHEN.get(action)
    if condition and condition[0] and inputs.get(condition[0], "").strip().lower() == "true":
        return condition[1]
    return None
