"""Policy as code: read, validate and layer ``guard.yml`` files into the configuration policies read.

Levels, weakest first: built-in defaults (in each policy's ``settings.py``) < the organisation's
``guard.yml`` (root of its ``.github`` repository) < the repository's ``.github/guard.yml``. Both files are
read from the default branch only; the engine passes their bytes in, and nothing here does I/O.

Typical use::

    parsed = parse(blob, file=".github/guard.yml", level=Level.REPO, sha=blob_sha)
    adoption = adopt(previous_layer, blob, file=..., level=Level.REPO, repository="acme/api")
    resolution = resolve(org_layer, repo_layer, repository="acme/api")
    resolution.config.pipeline_review.required_approvals
"""

from policies.config.diff import Change, ChangeKind, diff
from policies.config.effective import EffectiveConfig, IgnoredSetting, Resolution, Setting, defaults, resolve
from policies.config.layers import Adoption, Layer, Parsed, adopt, parse
from policies.config.model import DEFAULTS, Level, Problem, Source
from policies.config.preview import Preview, preview
from policies.config.render import preview_title, render_effective, render_preview

__all__ = [
    "DEFAULTS",
    "Adoption",
    "Change",
    "ChangeKind",
    "EffectiveConfig",
    "IgnoredSetting",
    "Layer",
    "Level",
    "Parsed",
    "Preview",
    "Problem",
    "Resolution",
    "Setting",
    "Source",
    "adopt",
    "defaults",
    "diff",
    "parse",
    "preview",
    "preview_title",
    "render_effective",
    "render_preview",
    "resolve",
]
