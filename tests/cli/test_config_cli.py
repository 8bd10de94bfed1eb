"""``guard config check``: the check run's messages on the command line, and an exit code for CI."""

from pathlib import Path

import pytest

from guard.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_files_pass(capsys: pytest.CaptureFixture[str]) -> None:
    org, repo = ROOT / "docs/examples/org-guard.yml", ROOT / "docs/examples/repo-guard.yml"
    assert main(["config", "check", "--org", str(org)]) == 0
    assert main(["config", "check", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out == f"{org}: valid organisation file\n{repo}: valid repository file\n"


def test_errors_are_printed_with_positions_and_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = "fork_secrets:\n  mode: enfroce\nlocked: [fork_secrets]\n"
    bad = _write(tmp_path / "repo/.github/guard.yml", source)
    assert main(["config", "check", str(bad)]) == 1
    assert capsys.readouterr().out == (
        f"{bad}:2:9: fork_secrets.mode: 'enfroce' is not one of off, observe, enforce "
        "(did you mean 'enforce'?)\n"
        f"{bad}:3:1: 'locked' is only allowed in the organisation's guard.yml (the root of its .github "
        "repository)\n"
    )


def test_one_bad_file_fails_the_run_but_every_file_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(tmp_path / "a/guard.yml", "fork_secrets: {mode: 1}\n")
    good = _write(tmp_path / "b/guard.yml", "fork_secrets: {mode: observe}\n")
    assert main(["config", "check", str(bad), str(good)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{bad}:1:22: fork_secrets.mode: expected a string, got the number 1",
        f"{good}: valid organisation file",
    ]


@pytest.mark.parametrize(
    ("relative", "git_root", "level"),
    [
        ("api/.github/guard.yml", False, "repository"),
        ("org-config/.github/guard.yml", True, "organisation"),
        ("guard.yml", False, "organisation"),
    ],
)
def test_the_kind_of_file_follows_from_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relative: str, git_root: bool, level: str
) -> None:
    path = _write(tmp_path / relative, "pipeline_review: {mode: observe}\n")
    if git_root:
        (path.parent / ".git").mkdir()
    assert main(["config", "check", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: valid {level} file\n"


def test_a_file_of_another_name_needs_a_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "proposed.yml", "{}\n")
    assert main(["config", "check", str(path)]) == 1
    assert capsys.readouterr().out == (
        f"{path}: cannot tell an organisation file from a repository file by its name; pass --org or --repo\n"
    )


def test_an_unreadable_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "guard.yml"
    assert main(["config", "check", str(missing)]) == 1
    assert capsys.readouterr().out == f"{missing}: cannot read the file: No such file or directory\n"


def test_an_oversized_file_is_refused_without_reading_it_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "guard.yml"
    with huge.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    assert main(["config", "check", str(huge)]) == 1
    assert capsys.readouterr().out == f"{huge}:1:1: file is 1048577 bytes; the limit is 1048576 bytes\n"


def test_check_needs_at_least_one_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["config", "check"])
    assert exited.value.code == 2
    assert "the following arguments are required: FILE" in capsys.readouterr().err
