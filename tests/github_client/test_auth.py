"""App JWTs and installation tokens, as the GitHub double checks them."""

from __future__ import annotations

import threading
import time

import jwt
import pytest
import requests

from guard.github import GitHub, InstallationToken, InstallationTokens, NotFound, Unauthorized, make_app_jwt
from tests.github_double import GitHubDouble, MovableClock
from tests.github_double.fixtures import TestApp, generate_app, make_github

TOKENS = "/app/installations/{installation_id}/access_tokens"
REPO = "/repos/{owner}/{repo}"


def _arrange(double: GitHubDouble) -> int:
    installation = double.add_installation("acme")
    double.add_repo("acme/widgets")
    return installation.id


def test_app_jwt_is_rs256_issued_a_minute_ago_and_lives_at_most_ten_minutes(github_app: TestApp) -> None:
    now = 1_700_000_000.7
    token = make_app_jwt(str(github_app.app_id), github_app.private_key_pem, now)
    claims = jwt.decode(token, github_app.public_key_pem, algorithms=["RS256"], options={"verify_exp": False})
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert claims == {"iat": 1_700_000_000 - 60, "exp": 1_700_000_000 + 540, "iss": str(github_app.app_id)}
    assert claims["exp"] - claims["iat"] <= 600


def test_the_double_accepts_the_clients_jwt_and_answers_as_the_app(
    github: GitHub, github_double: GitHubDouble, github_app: TestApp
) -> None:
    app = github.app().get("/app")
    assert app.data["id"] == github_app.app_id
    (call,) = github_double.calls
    assert call.auth == "app"
    sent = call.headers["authorization"].removeprefix("Bearer ")
    assert jwt.decode(sent, github_app.public_key_pem, algorithms=["RS256"])["iss"] == str(github_app.app_id)


def test_the_client_id_works_as_the_jwt_issuer(github_double: GitHubDouble, github_app: TestApp) -> None:
    client_id = github_double.state.app.client_id  # type: ignore[union-attr]
    client = make_github(github_double, github_app, app_id=client_id)
    assert client.app().get("/app").data["client_id"] == client_id


def test_an_app_key_github_does_not_know_is_refused(github_double: GitHubDouble) -> None:
    stranger = generate_app()
    client = make_github(github_double, stranger)
    with pytest.raises(Unauthorized) as raised:
        client.app().get("/app")
    assert raised.value.status == 401
    assert raised.value.message == "A JSON web token could not be decoded"


@pytest.mark.parametrize("github_ahead_by", [-300.0, 700.0])
def test_clock_skew_is_repaired_once_from_githubs_date_header(
    github: GitHub, github_double: GitHubDouble, github_ahead_by: float
) -> None:
    github_double.set_clock_skew(github_ahead_by)
    assert github.app().get("/app").status == 200
    assert [(c.status, c.auth) for c in github_double.calls] == [(401, "none"), (200, "app")]


def test_an_expired_jwt_gets_githubs_expiration_message(
    github_double: GitHubDouble, github_app: TestApp
) -> None:
    stale = make_app_jwt(str(github_app.app_id), github_app.private_key_pem, time.time() - 1200)
    answer = requests.get(
        f"{github_double.base_url}/app", headers={"Authorization": f"Bearer {stale}"}, timeout=5
    )
    assert answer.status_code == 401
    assert answer.json()["message"].startswith("'Expiration time' claim ('exp') must be a numeric value")


def test_installation_token_is_minted_once_and_reused(github: GitHub, github_double: GitHubDouble) -> None:
    installation_id = _arrange(github_double)
    client = github.installation(installation_id)
    client.get("/repos/acme/widgets")
    github.installation(installation_id).get("/repos/acme/widgets")
    assert len(github_double.calls_to("POST", TOKENS)) == 1
    assert [c.auth for c in github_double.calls_to("GET", REPO)] == [f"installation:{installation_id}"] * 2


def test_token_is_refreshed_shortly_before_it_expires(github: GitHub, github_double: GitHubDouble) -> None:
    installation_id = _arrange(github_double)
    client = github.installation(installation_id)
    client.get("/repos/acme/widgets")
    clock = github_double.clock
    assert isinstance(clock, MovableClock)
    clock.advance(3600 - 300 - 30)  # the clock is wall time plus an offset: 30 s of slack for a busy machine
    client.get("/repos/acme/widgets")
    assert len(github_double.calls_to("POST", TOKENS)) == 1
    clock.advance(31)
    client.get("/repos/acme/widgets")
    first, *_, last = github_double.calls_to("GET", REPO)
    assert len(github_double.calls_to("POST", TOKENS)) == 2
    assert first.headers["authorization"] != last.headers["authorization"]
    assert [c.status for c in github_double.calls_to("GET", REPO)] == [200, 304, 304]


def test_concurrent_first_calls_mint_a_single_token(github: GitHub, github_double: GitHubDouble) -> None:
    installation_id = _arrange(github_double)
    github_double.delay("POST", TOKENS, 0.3)
    start = threading.Barrier(12)
    errors: list[BaseException] = []

    def call() -> None:
        start.wait()
        try:
            github.installation(installation_id).get("/repos/acme/widgets")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(github_double.calls_to("POST", TOKENS)) == 1
    assert len(github_double.calls_to("GET", REPO)) == 12


def test_token_cache_fetches_once_per_installation_under_contention() -> None:
    fetched: list[int] = []
    gate = threading.Event()

    def fetch(installation_id: int) -> InstallationToken:
        gate.wait(0.2)
        fetched.append(installation_id)
        return InstallationToken(
            value=f"t{installation_id}", expires_at=time.time() + 3600, minted_at=time.time()
        )

    tokens = InstallationTokens(fetch, time.time)
    threads = [threading.Thread(target=tokens.get, args=(i % 2,)) for i in range(10)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    assert sorted(fetched) == [0, 1]


def test_a_revoked_token_is_replaced_and_the_call_retried_once(
    github: GitHub, github_double: GitHubDouble
) -> None:
    installation_id = _arrange(github_double)
    client = github.installation(installation_id)
    client.get("/repos/acme/widgets")
    github_double.revoke_tokens(installation_id)
    clock = github_double.clock
    assert isinstance(clock, MovableClock)
    clock.advance(60)
    assert client.get("/repos/acme/widgets").status == 200
    assert [(c.method, c.status) for c in github_double.calls[-3:]] == [
        ("GET", 401),
        ("POST", 201),
        ("GET", 304),
    ]


def test_a_401_just_after_minting_waits_a_second_for_replication(
    github_double: GitHubDouble, github_app: TestApp
) -> None:
    installation_id = _arrange(github_double)
    slept: list[float] = []
    client = make_github(github_double, github_app, sleep=slept.append).installation(installation_id)
    github_double.fail("GET", REPO, status=401, body={"message": "Bad credentials"})
    assert client.get("/repos/acme/widgets").status == 200
    assert 1.0 in slept
    assert len(github_double.calls_to("POST", TOKENS)) == 1
    first, second = github_double.calls_to("GET", REPO)
    assert first.headers["authorization"] == second.headers["authorization"]


def test_a_token_refused_twice_is_an_unauthorized_error(
    github_double: GitHubDouble, github_app: TestApp
) -> None:
    installation_id = _arrange(github_double)
    github = make_github(github_double, github_app, sleep=lambda _: None)
    github_double.fail("GET", REPO, status=401, times=None, body={"message": "Bad credentials"})
    with pytest.raises(Unauthorized, match="Bad credentials"):
        github.installation(installation_id).get("/repos/acme/widgets")
    assert len(github_double.calls_to("GET", REPO)) == 2


def test_tokens_and_key_never_show_in_reprs_or_errors(
    github: GitHub, github_double: GitHubDouble, github_app: TestApp
) -> None:
    installation_id = _arrange(github_double)
    client = github.installation(installation_id)
    client.get("/repos/acme/widgets")
    token = github_double.calls_to("GET", REPO)[0].headers["authorization"].removeprefix("Bearer ")
    github_double.fail("GET", REPO, status=404, body={"message": "Not Found"})
    with pytest.raises(NotFound) as raised:
        client.get("/repos/acme/widgets")
    shown = " ".join([repr(github), repr(client), repr(github.app()), str(raised.value), repr(raised.value)])
    assert token not in shown
    assert "PRIVATE KEY" not in shown
    assert token not in repr(InstallationToken(value=token, expires_at=0.0, minted_at=0.0))


def test_a_malformed_private_key_is_refused_without_echoing_it() -> None:
    secret_looking = (
        "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END RSA PRIVATE KEY-----\n"
    )
    with pytest.raises(ValueError, match="not an unencrypted PEM private key") as raised:
        GitHub(app_id=1, private_key=secret_looking)
    assert "c2VjcmV0" not in str(raised.value)
