"""Where live protection differs from the declared one, and in which direction.

``weaker`` lists what protection lacks (what ``floor`` semantics acts on); ``stricter`` lists what it adds
beyond the declaration (what ``exact`` semantics also undoes). Values are shown as ``guard.yml`` spells
them, so an alert reads like the configuration it is measured against.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from policies.branch_protection.model import PERMISSIONS, REVIEW_SETTINGS, Protection

CHECKS = "required_status_checks"


@dataclass(frozen=True)
class Difference:
    """One setting whose live value is weaker (or stricter) than declared."""

    setting: str
    declared: str
    actual: str
    weaker: bool


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _is_weaker(setting: str, declared: object, actual: object) -> bool:
    if setting in PERMISSIONS:
        return bool(actual) and not declared
    if isinstance(declared, int) and not isinstance(declared, bool) and isinstance(actual, int):
        return actual < declared
    return bool(declared) and not actual


def _scalar_differences(declared: Protection, actual: Protection, weaker: bool) -> list[Difference]:
    found = []
    for f in fields(Protection):
        if f.name == CHECKS:
            continue
        if f.name in REVIEW_SETTINGS and not (declared.require_pull_request and actual.require_pull_request):
            continue
        wanted, live = getattr(declared, f.name), getattr(actual, f.name)
        if wanted != live and _is_weaker(f.name, wanted, live) == weaker:
            found.append(Difference(f.name, _shown(wanted), _shown(live), weaker))
    return found


def _missing_checks(declared: Protection, actual: Protection) -> list[Difference]:
    found = []
    for wanted in declared.required_status_checks:
        if any(live.satisfies(wanted) for live in actual.required_status_checks):
            continue
        same_name = [c for c in actual.required_status_checks if c.context == wanted.context]
        live = same_name[0].describe() if same_name else "not required"
        found.append(Difference(CHECKS, wanted.describe(), live, weaker=True))
    return found


def _extra_checks(declared: Protection, actual: Protection) -> list[Difference]:
    wanted = {c.context for c in declared.required_status_checks}
    return [
        Difference(CHECKS, "not required", live.describe(), weaker=False)
        for live in actual.required_status_checks
        if live.context not in wanted
    ]


def weaker(declared: Protection, actual: Protection) -> tuple[Difference, ...]:
    """Settings where ``actual`` protects less than ``declared``."""
    return tuple(_scalar_differences(declared, actual, True) + _missing_checks(declared, actual))


def stricter(declared: Protection, actual: Protection) -> tuple[Difference, ...]:
    """Settings where ``actual`` protects more than ``declared``."""
    return tuple(_scalar_differences(declared, actual, False) + _extra_checks(declared, actual))
