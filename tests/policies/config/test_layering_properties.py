"""Properties of layering that hold for any files: a repository only adds to lists, and locks hold."""

from hypothesis import given
from hypothesis import strategies as st

from policies.config import resolve

from .helpers import org_layer, repo_layer

PATTERNS = ["a/**", "b/**", "c/*.sh", "**/Makefile", "deploy/**"]
PATHS = st.lists(st.sampled_from(PATTERNS), unique=True, max_size=5)
MODES = st.sampled_from(["off", "observe", "enforce"])


@given(org=PATHS, repo=PATHS)
def test_a_repository_never_removes_a_pipeline_path(org: list[str], repo: list[str]) -> None:
    config = resolve(
        org_layer(f"pipeline_review: {{paths: {org}}}"), repo_layer(f"pipeline_review: {{paths: {repo}}}")
    ).config
    assert list(config.pipeline_review.paths) == org + [path for path in repo if path not in org]


@given(org_mode=MODES, repo_mode=MODES, lock=st.sampled_from(["fork_secrets", "fork_secrets.mode"]))
def test_a_locked_mode_is_the_organisations_whatever_the_repository_writes(
    org_mode: str, repo_mode: str, lock: str
) -> None:
    resolution = resolve(
        org_layer(f"fork_secrets: {{mode: {org_mode}}}\nlocked: [{lock}]\n"),
        repo_layer(f"fork_secrets: {{mode: {repo_mode}}}"),
    )
    assert resolution.config.fork_secrets.mode == org_mode
    assert bool(resolution.alerts) is (repo_mode != org_mode)


@given(approvals=st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=3))
def test_a_repository_cannot_remove_an_organisation_branch_rule(approvals: list[int]) -> None:
    org_rules = ", ".join(f"{{pattern: r{i}, required_approvals: {n}}}" for i, n in enumerate(approvals))
    config = resolve(
        org_layer(f"branch_protection: {{branches: [{org_rules}]}}"),
        repo_layer("branch_protection: {branches: [{pattern: other}]}"),
    ).config
    patterns = [rule.pattern for rule in config.branch_protection.branches]
    assert patterns == ["~default", *(f"r{i}" for i in range(len(approvals))), "other"]
