"""``POST /app-manifests/{code}/conversions``: a manifest flow's code becomes the new App's credentials."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import integration_json
from tests.github_double.state import AppRecord, ManifestCode

if TYPE_CHECKING:
    from tests.github_double.double import GitHubDouble

CODE_LIFETIME = 3600


def convert(request: Request) -> Reply:
    """``POST /app-manifests/{code}/conversions``: the new App's credentials, once, within the hour."""
    double = request.double
    found = request.state.manifest_codes.get(request.params["code"])
    if found is None or found.used or double.now() - found.created_at > CODE_LIFETIME:
        raise request.error(404, "Not Found")
    found.used = True
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app = _register(double, found, key)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    body = integration_json(request.api, app) | {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "webhook_secret": secrets.token_hex(20),
        "pem": pem,
    }
    return Reply(201, body)


def _register(double: GitHubDouble, found: ManifestCode, key: rsa.RSAPrivateKey) -> AppRecord:
    manifest = found.manifest
    app_id = double.state.next_id()
    name = manifest.get("name") or f"app-{app_id}"
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    double.state.app = AppRecord(
        id=app_id,
        slug=re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
        name=name,
        client_id=f"Iv23li{secrets.token_hex(7)}",
        owner=found.owner,
        public_key_pem=public.decode(),
        permissions=dict(manifest.get("default_permissions", {})) | {"metadata": "read"},
        events=list(manifest.get("default_events", [])),
        manifest=manifest,
        client_secret=secrets.token_hex(20),
        callback_urls=[str(url) for url in manifest.get("callback_urls", [])],
    )
    return double.state.app


def register(router: Router) -> None:
    router.add("apps/create-from-manifest", convert, auth="any")
