"""The web apps' delivery (constructs/site.py): private buckets read by CloudFront only (origin access
control), HTTPS with security headers, caching, config.json, and the agents' Cognito sign-in."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infrastructure.conftest import ROOT, props, resources_of

SITES = ("AgentsSite", "CustomersSite")
AGENTS_WEB = ROOT / "web" / "agents"


def _one(template: dict[str, Any], type_: str, prefix: str) -> tuple[str, dict[str, Any]]:
    (found,) = [(k, v) for k, v in resources_of(template, type_).items() if k.startswith(prefix)]
    return found


def _distribution(template: dict[str, Any], site: str) -> tuple[str, dict[str, Any]]:
    logical, resource = _one(template, "AWS::CloudFront::Distribution", f"{site}Distribution")
    return logical, resource["Properties"]["DistributionConfig"]


def _behaviors(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]


def _static_behaviors(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The behaviours served from buckets (not the customers' site's API paths)."""
    from casebridge_infra.stack import CUSTOMER_API_PATHS  # noqa: PLC0415

    return [b for b in _behaviors(config) if b.get("PathPattern") not in CUSTOMER_API_PATHS]


def _deployments(template: dict[str, Any], site: str) -> dict[str, dict[str, Any]]:
    return {
        k.removeprefix(site): v["Properties"]
        for k, v in resources_of(template, "Custom::CDKBucketDeployment").items()
        if k.startswith(site)
    }


# ------------------------------------------------------------------------------ buckets
@pytest.mark.parametrize("site", SITES)
def test_site_buckets_are_private_encrypted_versioned_logged_and_tls_only(dev, site):
    _, bucket = _one(dev, "AWS::S3::Bucket", f"{site}Bucket")
    p = bucket["Properties"]
    assert p["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}
    assert p["LoggingConfiguration"]["DestinationBucketName"]
    assert "WebsiteConfiguration" not in p  # served through CloudFront only, never as an S3 website


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("site", SITES)
def test_only_the_sites_own_distribution_may_read_its_bucket(request, stage, site):
    template = request.getfixturevalue(stage)
    bucket, _ = _one(template, "AWS::S3::Bucket", f"{site}Bucket")
    distribution, _ = _distribution(template, site)
    (policy,) = [p for p in props(template, "AWS::S3::BucketPolicy") if p["Bucket"] == {"Ref": bucket}]
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    cloudfront = [s for s in allows if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}]
    (read,) = cloudfront
    assert "s3:GetObject" in json.dumps(read["Action"])
    source = read["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert {"Ref": distribution} in source["Fn::Join"][1] and ":distribution/" in json.dumps(source)
    # the only other reader: dev's auto-delete on teardown (by role); never "*" or an OAI
    others = [s for s in allows if s not in cloudfront]
    assert all("CustomS3AutoDeleteObjects" in json.dumps(s["Principal"]) for s in others)
    assert (stage == "dev") == bool(others)
    assert not resources_of(template, "AWS::CloudFront::CloudFrontOriginAccessIdentity")


def test_origin_access_control_signs_every_request_to_s3(dev):
    controls = props(dev, "AWS::CloudFront::OriginAccessControl")
    assert len(controls) == 3  # each site's bucket, and the help-site bucket behind the customers' site
    for control in controls:
        config = control["OriginAccessControlConfig"]
        assert (config["OriginAccessControlOriginType"], config["SigningBehavior"], config["SigningProtocol"]) == (
            "s3",
            "always",
            "sigv4",
        )
    for site in SITES:
        _, config = _distribution(dev, site)
        buckets = [o for o in config["Origins"] if "S3OriginConfig" in o]
        assert buckets and len(buckets) == (2 if site == "CustomersSite" else 1)  # + the help-site bucket
        for origin in buckets:
            assert origin["OriginAccessControlId"] and origin["S3OriginConfig"]["OriginAccessIdentity"] == ""


# ------------------------------------------------------------------------------ distributions
@pytest.mark.parametrize("site", SITES)
def test_distributions_answer_https_only_with_the_security_headers(dev, site):
    _, config = _distribution(dev, site)
    headers, policy = _one(dev, "AWS::CloudFront::ResponseHeadersPolicy", f"{site}Headers")
    for behavior in _behaviors(config):
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": headers}
    for behavior in _static_behaviors(config):
        assert behavior["AllowedMethods"] == ["GET", "HEAD", "OPTIONS"]
    security = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert security["ContentTypeOptions"]["Override"] is True
    assert config["Logging"]["Bucket"]  # standard logs to the site-logs bucket


def _csp(template: dict[str, Any], site: str) -> dict[str, list[str]]:
    _, policy = _one(template, "AWS::CloudFront::ResponseHeadersPolicy", f"{site}Headers")
    value = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    raw = value["ContentSecurityPolicy"]
    text = "".join(p if isinstance(p, str) else f"<{json.dumps(p, separators=(',', ':'))}>" for p in raw["Fn::Join"][1])
    return {d.split()[0]: d.split()[1:] for d in text.split("; ")}


@pytest.mark.parametrize("site", SITES)
def test_the_content_security_policy_allows_no_inline_code_and_only_the_api_as_other_origin(dev, site):
    csp = _csp(dev, site)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    connect = csp["connect-src"]
    assert connect[0] == "'self'"
    assert 'https://*.execute-api.us-east-1.<{"Ref":"AWS::URLSuffix"}>' in connect
    assert 'wss://*.execute-api.us-east-1.<{"Ref":"AWS::URLSuffix"}>' in connect
    assert not any("unsafe" in v or v == "*" for values in csp.values() for v in values)


def test_the_agents_app_may_reach_its_hosted_ui_the_customers_site_its_uploads_and_form_posts(dev):
    domain, _ = _one(dev, "AWS::Cognito::UserPoolDomain", "IdentityAgentsHostedUi")
    assert f'https://<{{"Ref":"{domain}"}}>.auth.us-east-1.amazoncognito.com' in _csp(dev, "AgentsSite")["connect-src"]
    attachments = next(
        v for k, v in resources_of(dev, "AWS::S3::Bucket").items() if k.startswith("StorageBucketattachments")
    )
    name = attachments["Properties"]["BucketName"]
    uploads = f'https://{name}.s3.us-east-1.<{{"Ref":"AWS::URLSuffix"}}>'
    assert uploads in _csp(dev, "CustomersSite")["connect-src"]
    # the contact form posts to the API without JavaScript; the agents' app posts no form anywhere
    api = 'https://*.execute-api.us-east-1.<{"Ref":"AWS::URLSuffix"}>'
    assert _csp(dev, "CustomersSite")["form-action"] == ["'self'", api]
    assert _csp(dev, "AgentsSite")["form-action"] == ["'self'"]


def test_the_agents_app_loads_for_any_path_the_customers_site_answers_real_404s(dev):
    _, agents = _distribution(dev, "AgentsSite")
    assert {(e["ErrorCode"], e["ResponseCode"], e["ResponsePagePath"]) for e in agents["CustomErrorResponses"]} == {
        (403, 200, "/index.html"),
        (404, 200, "/index.html"),
    }
    _, customers = _distribution(dev, "CustomersSite")
    assert all("ResponsePagePath" not in e for e in customers["CustomErrorResponses"])
    # a missing page is S3's 404 (CloudFront may list the bucket), not a 403 turned into a page
    bucket, _ = _one(dev, "AWS::S3::Bucket", "CustomersSiteBucket")
    (policy,) = [p for p in props(dev, "AWS::S3::BucketPolicy") if p["Bucket"] == {"Ref": bucket}]
    (read,) = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    ]
    assert sorted(read["Action"]) == ["s3:GetObject", "s3:ListBucket"]


def test_the_customers_site_serves_directory_urls_from_their_index_page(dev):
    (function,) = props(dev, "AWS::CloudFront::Function")
    assert function["AutoPublish"] is True and function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    _, config = _distribution(dev, "CustomersSite")
    (association,) = config["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"


# ------------------------------------------------------------------------------ caching and deployment
@pytest.mark.parametrize("site", SITES)
def test_hashed_assets_are_immutable_everything_else_is_revalidated_then_invalidated(dev, site):
    deployments = _deployments(dev, site)
    assets = next(v for k, v in deployments.items() if k.startswith("DeployAssets"))
    pages = next(v for k, v in deployments.items() if k.startswith("DeployPages"))
    assert (assets["Exclude"], assets["Include"]) == (["*"], ["assets/*"])
    assert assets["SystemMetadata"]["cache-control"] == "public, max-age=31536000, immutable"
    assert pages["Exclude"] == ["assets/*"]
    assert pages["SystemMetadata"]["cache-control"] == "no-cache"
    # old assets stay for tabs still running the previous build; pages are invalidated after upload
    assert assets["Prune"] is False and pages["Prune"] is False
    distribution, _ = _distribution(dev, site)
    assert pages["DistributionId"] == {"Ref": distribution} and pages["DistributionPaths"] == ["/*"]
    pages_logical = next(
        k for k in resources_of(dev, "Custom::CDKBucketDeployment") if k.startswith(f"{site}DeployPages")
    )
    assets_logical = next(
        k for k in resources_of(dev, "Custom::CDKBucketDeployment") if k.startswith(f"{site}DeployAssets")
    )
    assert assets_logical in dev["Resources"][pages_logical]["DependsOn"]


@pytest.mark.parametrize("site", SITES)
def test_the_cache_follows_the_objects_cache_control(dev, site):
    cache, policy = _one(dev, "AWS::CloudFront::CachePolicy", f"{site}Cache")
    config = policy["Properties"]["CachePolicyConfig"]
    assert (config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]) == (0, 0, 365 * 86400)
    params = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert params["QueryStringsConfig"]["QueryStringBehavior"] == "none"
    assert params["CookiesConfig"]["CookieBehavior"] == "none"
    _, dist = _distribution(dev, site)
    assert all(b["CachePolicyId"] == {"Ref": cache} for b in _static_behaviors(dist))


def _config_json(synth, template: dict[str, Any], site: str) -> dict[str, Any]:
    """config.json as the deployment writes it: the staged file with the stack's values put back
    in place of CDK's markers (each a CloudFormation expression, compared as such)."""
    pages = next(v for k, v in _deployments(template, site).items() if k.startswith("DeployPages"))
    for key, markers in zip(pages["SourceObjectKeys"], pages["SourceMarkers"], strict=True):
        staged = synth.outdir / f"asset.{key.removesuffix('.zip')}" / "config.json"
        if staged.is_file():
            text = staged.read_text()
            for marker, value in markers.items():
                text = text.replace(marker, json.dumps({"cfn": value}))
            return json.loads(text)
    raise AssertionError(f"{site}: no config.json among the deployed sources")


def _cfn_string(value: Any) -> Any:
    """A config value written from a token: its expression, with the JSON quotes CDK adds dropped."""
    expr = value["cfn"]["Fn::Join"][1]
    assert expr[0].startswith('"') and expr[-1].endswith('"')
    return [expr[0][1:], *expr[1:-1], expr[-1][:-1]] if len(expr) > 1 else [expr[0][1:-1]]


def test_the_agents_config_json_names_the_api_the_hosted_ui_and_the_stacks_client(synth, dev):
    config = _config_json(synth, dev, "AgentsSite")
    (client_logical, client) = _one(dev, "AWS::Cognito::UserPoolClient", "IdentityAgentsAgentConsole")
    domain, _ = _one(dev, "AWS::Cognito::UserPoolDomain", "IdentityAgentsHostedUi")
    auth = config["auth"]
    assert auth["mode"] == "cognito"
    assert _cfn_string(config["apiBaseUrl"]) == [
        "https://",
        {"Ref": "RestAPI"},
        ".execute-api.us-east-1.",
        {"Ref": "AWS::URLSuffix"},
        "/api/",
    ]
    assert _cfn_string(auth["domain"]) == ["https://", {"Ref": domain}, ".auth.us-east-1.amazoncognito.com"]
    assert _cfn_string(auth["clientId"]) == ["", {"Ref": client_logical}, ""]
    # the URLs the app sends are exactly those the client allows
    assert [{"Fn::Join": ["", _cfn_string(auth["redirectUri"])]}] == client["Properties"]["CallbackURLs"]
    assert [{"Fn::Join": ["", _cfn_string(auth["logoutUri"])]}] == client["Properties"]["LogoutURLs"]
    assert sorted(auth["scopes"]) == sorted(client["Properties"]["AllowedOAuthScopes"])
    assert config["pollIntervalMs"] >= 1000


def test_the_customers_config_json_names_the_api(synth, dev):
    config = _config_json(synth, dev, "CustomersSite")
    assert _cfn_string(config["apiBaseUrl"])[1] == {"Ref": "RestAPI"}


def test_the_agents_app_signs_in_the_way_the_client_allows():
    """The app's side of the contract (web/agents/src): the callback route exists, the flow is the
    code flow with an S256 challenge, the default scopes and the config keys are those the stack writes."""
    router = (AGENTS_WEB / "src" / "router.ts").read_text()
    pkce = (AGENTS_WEB / "src" / "auth" / "pkce.ts").read_text()
    config = (AGENTS_WEB / "src" / "config.ts").read_text()
    assert re.search(r"path: '/auth/callback'", router)
    assert "'response_type', 'code'" in pkce and "'code_challenge_method', 'S256'" in pkce
    assert "['openid', 'email', 'profile']" in pkce
    assert "grant_type: 'authorization_code'" in pkce and "code_verifier: verifier" in pkce
    assert "client_secret" not in pkce
    for key in ("domain", "clientId", "redirectUri", "logoutUri", "scopes", "apiBaseUrl", "pollIntervalMs"):
        assert key in config, key


# ------------------------------------------------------------------------------ CORS
def test_the_api_allows_browser_calls_from_the_two_sites_only(dev):
    agents, _ = _distribution(dev, "AgentsSite")
    expected = {
        "Fn::Join": [
            "",
            [
                "https://",
                {"Fn::GetAtt": [agents, "DomainName"]},
                ",https://support.example.com",  # the customers' site by its public address
            ],
        ]
    }
    for fn in props(dev, "AWS::Serverless::Function"):
        assert fn["Environment"]["Variables"]["CASEBRIDGE_CORS_ALLOWED_ORIGINS"] == expected
    for response in props(dev, "AWS::ApiGateway::GatewayResponse"):
        origin = response["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        assert "'*'" not in json.dumps(origin) and {"Fn::GetAtt": [agents, "DomainName"]} in origin["Fn::Join"][1]


def test_outputs_name_the_sites_and_their_distributions(dev):
    for key in ("AgentsUrl", "AgentsDistributionId", "CustomersUrl", "CustomersDistributionId", "HostedUiUrl"):
        assert key in dev["Outputs"], key


# ------------------------------------------------------------------------------ the build
def test_a_missing_build_fails_synthesis_with_the_command_to_run(tmp_path):
    from casebridge_infra.constructs.site import MissingBuild, build_dir  # noqa: PLC0415

    with pytest.raises(MissingBuild, match="make web"):
        build_dir("agents'", tmp_path / "dist", "make web", placeholder=False)


def test_a_placeholder_is_deployed_only_when_allowed_and_a_build_wins_over_it(tmp_path):
    from casebridge_infra.constructs.site import PLACEHOLDER_DIR, build_dir  # noqa: PLC0415

    assert build_dir("x", tmp_path / "dist", "make web", placeholder=True) == PLACEHOLDER_DIR
    assert (PLACEHOLDER_DIR / "index.html").is_file()
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<!doctype html>")
    assert build_dir("x", tmp_path / "dist", "make web", placeholder=True) == tmp_path / "dist"


def _built(dist: Path) -> Path:
    if not (dist / "index.html").is_file():
        pytest.skip(f"{dist} is not built (make web)")
    return dist


@pytest.mark.parametrize(
    "dist", [AGENTS_WEB / "dist", ROOT / "web" / "customers" / "dist"], ids=["agents", "customers"]
)
def test_the_built_app_needs_nothing_the_content_security_policy_forbids(dist):
    dist = _built(dist)
    for page in dist.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"{page}: inline script"
        assert "<style" not in html, f"{page}: inline <style>"
        assert not re.search(r"\sstyle=", html), f"{page}: style attribute"
        assert not re.search(r"\son[a-z]+=", html), f"{page}: inline event handler"
        assert not re.search(r"(src|href)=\"(https?:)?//", html), f"{page}: a file from another origin"
    for script in dist.rglob("*.js"):
        code = script.read_text()
        assert "new Function(" not in code and not re.search(r"\beval\(", code), f"{script}: eval"


def test_a_published_pages_bucket_is_served_under_its_paths_with_origin_access_control():
    """The customers' help-center pages, once their bucket exists: one argument to the construct."""
    import aws_cdk as cdk  # noqa: PLC0415
    from aws_cdk import aws_s3 as s3  # noqa: PLC0415
    from aws_cdk.assertions import Template  # noqa: PLC0415
    from casebridge_infra.constructs.site import StaticSite  # noqa: PLC0415

    app = cdk.App()
    stack = cdk.Stack(app, "Test", env=cdk.Environment(account="111111111111", region="us-east-1"))
    logs = s3.Bucket(stack, "Logs", object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED)
    pages = s3.Bucket(stack, "Pages")
    StaticSite(
        stack,
        "Site",
        bucket_name="cb-test-site",
        comment="test",
        retain=False,
        access_logs=logs,
        cdn_logs=logs,
        single_page_app=False,
        connect_src=[],
        published=pages,
    )
    template = Template.from_stack(stack).to_json()
    (dist,) = props(template, "AWS::CloudFront::Distribution")
    behaviors = {b["PathPattern"]: b for b in dist["DistributionConfig"]["CacheBehaviors"]}
    assert set(behaviors) == {"/help/*/articles/*", "/sitemap.xml", "/robots.txt"}
    assert all(b["ViewerProtocolPolicy"] == "redirect-to-https" for b in behaviors.values())
    pages_logical = next(k for k in resources_of(template, "AWS::S3::Bucket") if k.startswith("Pages"))
    (policy,) = [p for p in props(template, "AWS::S3::BucketPolicy") if p["Bucket"] == {"Ref": pages_logical}]
    (read,) = policy["PolicyDocument"]["Statement"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and "AWS:SourceArn" in json.dumps(read)


# ------------------------------------------------------------------------------ the customers' routes
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CloudFront's managed policies
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _origins(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["Id"]: o for o in config["Origins"]}


def test_the_customers_site_sends_its_dynamic_paths_to_the_api_uncached_with_the_viewers_headers(dev):
    from casebridge_infra.stack import CUSTOMER_API_PATHS  # noqa: PLC0415

    _, config = _distribution(dev, "CustomersSite")
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    origins = _origins(config)
    assert set(CUSTOMER_API_PATHS) == {"/help*", "/portal/*", "/web/*", "/chat/*", "/selfservice/*", "/notices/*"}
    for path in CUSTOMER_API_PATHS:
        b = behaviors[path]
        assert b["CachePolicyId"] == CACHING_DISABLED and b["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
        assert set(b["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
        origin = origins[b["TargetOriginId"]]
        assert origin["OriginPath"] == "/api"
        assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
        assert {"Ref": "RestAPI"} in origin["DomainName"]["Fn::Join"][1]  # the Chalice app's API


def test_the_help_sites_article_pages_come_from_its_bucket_before_the_apis_help_paths(dev):
    _, config = _distribution(dev, "CustomersSite")
    order = [b["PathPattern"] for b in config["CacheBehaviors"]]
    assert order.index("/help/*/articles/*") < order.index("/help*")
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    help_site = next(k for k in resources_of(dev, "AWS::S3::Bucket") if k.startswith("StorageBuckethelpsite"))
    for path in ("/help/*/articles/*", "/sitemap.xml", "/robots.txt"):
        origin = _origins(config)[behaviors[path]["TargetOriginId"]]
        assert origin["DomainName"] == {"Fn::GetAtt": [help_site, "RegionalDomainName"]}
        assert behaviors[path]["AllowedMethods"] == ["GET", "HEAD", "OPTIONS"]


def test_the_attachments_bucket_takes_presigned_uploads_from_the_customers_site(dev):
    attachments = next(
        v for k, v in resources_of(dev, "AWS::S3::Bucket").items() if k.startswith("StorageBucketattachments")
    )
    (rule,) = attachments["Properties"]["CorsConfiguration"]["CorsRules"]
    # the site's public address (public_base_url): the distribution's own name would be a cycle
    assert rule["AllowedMethods"] == ["POST"] and rule["AllowedOrigins"] == ["https://support.example.com"]
