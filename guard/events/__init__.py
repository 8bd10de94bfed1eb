"""Webhook payloads normalised once into typed, immutable events for the policies.

``parse_event(name, payload)`` is the entry point; every event class is re-exported here.
"""

from guard.events.actions import (
    Deployment,
    DeploymentProtectionRuleEvent,
    ReferencedWorkflow,
    WorkflowJob,
    WorkflowJobEvent,
    WorkflowRun,
    WorkflowRunEvent,
)
from guard.events.admin import (
    Hook,
    Installation,
    InstallationEvent,
    InstallationRepositoriesEvent,
    InstalledRepository,
    PingEvent,
    RepositoryEvent,
)
from guard.events.checks import (
    App,
    CheckRun,
    CheckRunEvent,
    CheckSuite,
    CheckSuiteEvent,
    MergeGroup,
    MergeGroupEvent,
)
from guard.events.comments import IssueComment, IssueCommentEvent
from guard.events.common import Actor, BranchRef, Event, GenericEvent, PullRequestRef, RepoRef, Repository
from guard.events.parse import PARSERS, parse_event
from guard.events.payload import EventError, Json
from guard.events.protection import (
    BranchProtectionRule,
    BranchProtectionRuleEvent,
    BypassActor,
    RepositoryRulesetEvent,
    Ruleset,
    RulesetChanges,
    RulesetRule,
)
from guard.events.pulls import PullBranch, PullRequest, PullRequestEvent, PullRequestReviewEvent, Review
from guard.events.push import Commit, GitIdentity, PushEvent

__all__ = [
    "PARSERS",
    "Actor",
    "App",
    "BranchProtectionRule",
    "BranchProtectionRuleEvent",
    "BranchRef",
    "BypassActor",
    "CheckRun",
    "CheckRunEvent",
    "CheckSuite",
    "CheckSuiteEvent",
    "Commit",
    "Deployment",
    "DeploymentProtectionRuleEvent",
    "Event",
    "EventError",
    "GenericEvent",
    "GitIdentity",
    "Hook",
    "Installation",
    "InstallationEvent",
    "InstallationRepositoriesEvent",
    "InstalledRepository",
    "IssueComment",
    "IssueCommentEvent",
    "Json",
    "MergeGroup",
    "MergeGroupEvent",
    "PingEvent",
    "PullBranch",
    "PullRequest",
    "PullRequestEvent",
    "PullRequestRef",
    "PullRequestReviewEvent",
    "PushEvent",
    "ReferencedWorkflow",
    "RepoRef",
    "Repository",
    "RepositoryEvent",
    "RepositoryRulesetEvent",
    "Review",
    "Ruleset",
    "RulesetChanges",
    "RulesetRule",
    "WorkflowJob",
    "WorkflowJobEvent",
    "WorkflowRun",
    "WorkflowRunEvent",
    "parse_event",
]
