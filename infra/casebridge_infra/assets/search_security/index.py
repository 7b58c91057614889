"""Custom resource: the OpenSearch security plugin's role and role mapping for the stack's roles.

Fine-grained access control admits only mapped IAM roles. On Create and Update this function (which
runs as the domain's master user) puts the role ``casebridge_app`` (cluster monitoring, index
templates; read, write and manage the stage's indexes ``<prefix>-*``) and maps to it every role in
``BackendRoles``: each function that searches and the operator role. Requests are SigV4-signed
(service ``es``) with the function's credentials. Delete leaves the mapping (the domain goes with the
stack, or is retained with its data). The answer goes to CloudFormation's pre-signed URL.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable
from typing import Any

ROLE = "casebridge_app"
READY_SECONDS = 600.0  # a new domain's security index may take a while to answer


def role_body(index_patterns: list[str]) -> dict[str, Any]:
    return {
        "cluster_permissions": ["cluster_monitor", "indices:admin/index_template/*", "indices:data/read/scroll*"],
        "index_permissions": [
            {
                "index_patterns": index_patterns,
                "allowed_actions": ["crud", "create_index", "manage", "indices:admin/aliases*", "indices:data/read/*"],
            }
        ],
    }


def requests_for(props: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    base = f"https://{props['Endpoint']}/_plugins/_security/api"
    return [
        ("PUT", f"{base}/roles/{ROLE}", role_body(list(props["IndexPatterns"]))),
        ("PUT", f"{base}/rolesmapping/{ROLE}", {"backend_roles": sorted(props["BackendRoles"])}),
    ]


def signed_send(region: str) -> Callable[[str, str, dict[str, Any]], int]:
    import boto3  # noqa: PLC0415 - in the Lambda runtime
    from botocore.auth import SigV4Auth  # noqa: PLC0415
    from botocore.awsrequest import AWSRequest  # noqa: PLC0415

    credentials = boto3.Session().get_credentials()

    def send(method: str, url: str, body: dict[str, Any]) -> int:
        data = json.dumps(body).encode()
        request = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
        SigV4Auth(credentials, "es", region).add_auth(request)
        prepared = urllib.request.Request(url, data=data, method=method, headers=dict(request.headers))
        try:
            with urllib.request.urlopen(prepared, timeout=30) as resp:  # noqa: S310 - https domain endpoint
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    return send


def apply(props: dict[str, Any], send: Callable[[str, str, dict[str, Any]], int], sleep=time.sleep) -> None:
    deadline = time.monotonic() + READY_SECONDS
    for method, url, body in requests_for(props):
        while True:
            status = send(method, url, body)
            if status in (200, 201):
                break
            if time.monotonic() > deadline or status in (400, 403):
                raise RuntimeError(f"{method} {url.split('/_plugins', 1)[1]} answered {status}")
            sleep(10)  # 5xx / 401 while the domain or its security index starts


def respond(event: dict[str, Any], status: str, reason: str = "") -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:500],
            "PhysicalResourceId": event.get("PhysicalResourceId") or f"{event['LogicalResourceId']}-{ROLE}",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
        }
    ).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - CloudFormation's pre-signed S3 URL
        pass


def handler(event: dict[str, Any], context: Any, send: Callable[..., int] | None = None) -> None:
    try:
        if event["RequestType"] in ("Create", "Update"):
            props = event["ResourceProperties"]
            apply(props, send or signed_send(props.get("Region") or os.environ["AWS_REGION"]))
        respond(event, "SUCCESS")
    except Exception as exc:  # noqa: BLE001 - CloudFormation must hear about every failure
        respond(event, "FAILED", f"{type(exc).__name__}: {exc}")
