"""A web app's delivery: a private S3 bucket behind a CloudFront distribution (origin access control).

* The bucket is private (no public access, TLS only, encrypted, versioned, access logs); only the
  distribution may read it: the bucket policy names the distribution's ARN (``AWS:SourceArn``).
* The distribution answers HTTPS only (HTTP is redirected), with a response headers policy: a strict
  Content-Security-Policy (``functions/core/webpolicy.py``, which the local stack's web server sends
  too, so the browser tests run the app under it; ``tests/infrastructure/test_sites.py`` checks the
  built files), HSTS, no framing, no referrer.
* A single-page app (the agents') answers ``/index.html`` for any path the bucket does not have, so
  deep links load; a site of pages (the customers') answers real 404s (the distribution may list the
  bucket, so a missing key is a 404, not a 403).
* Caching: Vite's hashed files under ``/assets/`` are immutable for a year; everything else
  (``index.html``, ``config.json``, pages) is ``no-cache`` (revalidated on each visit). A deploy
  uploads the assets first (old ones are kept, so open tabs still load their lazy chunks), then the
  rest, then invalidates the distribution.
* ``config.json``, the runtime configuration the app reads before it starts, is written by the
  stack from its outputs (``config``; values may be CloudFormation tokens).
* A site of pages may send paths to the API (``route_to_api``: the customers' help center, forms,
  case page, chat and notices): an HTTPS origin on the API's stage, every method, cache disabled,
  every viewer header but ``Host`` (API Gateway answers only its own host name), the site's
  security headers. The static published pages' paths come first, so ``/help/*/articles/*`` is the
  bucket's and the rest of ``/help*`` the API's.

A site may answer a domain of its own (``domain_name`` with ``certificate_arn``, an ACM certificate
in us-east-1, where CloudFront reads them): the distribution's alternate name, and ``url`` becomes
``https://{domain_name}``. The customers' site takes them from the stage (``customers_domain``,
``customers_certificate_arn``: stages.json or CDK context).

The build comes from ``dist`` (``make web``). A missing build fails synthesis with the command to
run, unless ``placeholder`` is allowed (``-c web=placeholder``: CI's infrastructure tests and
``make synth`` before a first build), in which case a one-page placeholder is deployed instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from functions.core.webpolicy import content_security_policy

PLACEHOLDER_DIR = Path(__file__).resolve().parents[1] / "assets" / "placeholder_site"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class MissingBuild(SystemExit):
    def __init__(self, name: str, dist: Path, command: str) -> None:
        super().__init__(
            f"The {name} web app is not built: {dist} has no index.html. Run `{command}` before "
            "`cdk synth`/`make synth`/`make deploy`, or synthesize with `-c web=placeholder` to deploy a "
            "placeholder page instead (the infrastructure tests do)."
        )


def build_dir(name: str, dist: Path, command: str, *, placeholder: bool) -> Path:
    """The directory to deploy: the app's build, or the placeholder when allowed and there is no build."""
    if (dist / "index.html").is_file():
        return dist
    if placeholder:
        return PLACEHOLDER_DIR
    raise MissingBuild(name, dist, command)


# Directory URLs of a site of pages (``/help/`` -> ``/help/index.html``): S3 has no index documents
# through origin access control.
_DIRECTORY_INDEX = """function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) { request.uri += 'index.html'; }
  return request;
}"""


class StaticSite(Construct):
    """One web app: bucket, distribution, deployment of its build and its ``config.json``.

    ``published``: another bucket whose objects the site serves under ``published_paths`` (the
    customers' help-center article pages and sitemap, written when articles are published); it gets
    the same origin access control.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        comment: str,
        retain: bool,
        access_logs: s3.IBucket,
        cdn_logs: s3.IBucket,
        single_page_app: bool,
        connect_src: Sequence[str],
        form_action: Sequence[str] = (),
        published: s3.IBucket | None = None,
        published_paths: Sequence[str] = ("/help/*/articles/*", "/sitemap.xml", "/robots.txt"),
        domain_name: str | None = None,
        certificate_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.single_page_app = single_page_app
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{bucket_name}/",
            lifecycle_rules=[
                s3.LifecycleRule(id="expire-old-versions", noncurrent_version_expiration=Duration.days(30)),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(7)
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
            auto_delete_objects=not retain,
        )

        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            comment=f"{comment}: security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(connect_src, form_action=form_action),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy",
                        value="camera=(), microphone=(), geolocation=(), payment=(), usb=()",
                        override=True,
                    ),
                    cloudfront.ResponseCustomHeader(
                        header="Cross-Origin-Opener-Policy", value="same-origin", override=True
                    ),
                ]
            ),
        )
        # Honour the objects' Cache-Control (set by the deployment below); nothing varies by
        # query string, header or cookie.
        cache = cloudfront.CachePolicy(
            self,
            "Cache",
            comment=f"{comment}: the objects' Cache-Control decides",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.seconds(0),
            max_ttl=Duration.days(365),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        origin = origins.S3BucketOrigin.with_origin_access_control(
            self.bucket,
            # a site of pages may list its bucket: a missing page is then S3's 404, not a 403
            origin_access_levels=[cloudfront.AccessLevel.READ]
            if single_page_app
            else [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
        )
        function_associations = (
            []
            if single_page_app
            else [
                cloudfront.FunctionAssociation(
                    event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                    function=cloudfront.Function(
                        self,
                        "DirectoryIndex",
                        code=cloudfront.FunctionCode.from_inline(_DIRECTORY_INDEX),
                        runtime=cloudfront.FunctionRuntime.JS_2_0,
                        comment=f"{comment}: /path/ -> /path/index.html",
                    ),
                )
            ]
        )

        def behavior(o: cloudfront.IOrigin) -> cloudfront.BehaviorOptions:
            return cloudfront.BehaviorOptions(
                origin=o,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
                cache_policy=cache,
                response_headers_policy=self.headers,
                compress=True,
                function_associations=function_associations or None,
            )

        additional = {}
        if published is not None:
            published_origin = origins.S3BucketOrigin.with_origin_access_control(
                published, origin_access_levels=[cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST]
            )
            additional = {path: behavior(published_origin) for path in published_paths}

        # a domain of its own: the distribution answers it with the ACM certificate (us-east-1)
        custom = (
            {
                "domain_names": [domain_name],
                "certificate": acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn),
            }
            if domain_name and certificate_arn
            else {}
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=comment,
            **custom,  # type: ignore[arg-type]
            default_root_object="index.html",
            default_behavior=behavior(origin),
            additional_behaviors=additional or None,
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=status,
                    response_http_status=200,
                    response_page_path="/index.html",
                    ttl=Duration.seconds(0),
                )
                for status in (403, 404)
            ]
            if single_page_app
            else [cloudfront.ErrorResponse(http_status=404, ttl=Duration.seconds(10))],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            enable_logging=True,
            log_bucket=cdn_logs,
            log_file_prefix=f"{bucket_name}/",
        )
        self.url = f"https://{domain_name}" if custom else f"https://{self.distribution.distribution_domain_name}"

    def route_to_api(self, domain_name: str, origin_path: str, paths: Sequence[str]) -> None:
        """Send ``paths`` to the API (``domain_name``: its execute-api host; ``origin_path``: the stage)."""
        api = origins.HttpOrigin(
            domain_name,
            origin_path=origin_path,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        for path in paths:
            self.distribution.add_behavior(
                path,
                api,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=self.headers,
                compress=True,
            )

    def deploy(self, build: Path, config: Mapping[str, Any] | None = None) -> None:
        """Upload ``build`` and write ``config.json`` (values may be tokens: the stack's outputs)."""
        # 1. hashed assets, immutable; earlier deploys' assets stay (open tabs load their chunks).
        assets = s3deploy.BucketDeployment(
            self,
            "DeployAssets",
            destination_bucket=self.bucket,
            sources=[s3deploy.Source.asset(str(build))],
            exclude=["*"],
            include=["assets/*"],
            prune=False,
            cache_control=[s3deploy.CacheControl.from_string(IMMUTABLE)],
            memory_limit=512,
        )
        # 2. then index.html, config.json and every other file, revalidated; then the invalidation.
        sources = [s3deploy.Source.asset(str(build))]
        if config is not None:
            sources.append(s3deploy.Source.json_data("config.json", dict(config)))
        pages = s3deploy.BucketDeployment(
            self,
            "DeployPages",
            destination_bucket=self.bucket,
            sources=sources,
            exclude=["assets/*"],
            prune=False,
            cache_control=[s3deploy.CacheControl.from_string(REVALIDATE)],
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=512,
        )
        pages.node.add_dependency(assets)
        self.deployments = (assets, pages)


def cdn_log_bucket(scope: Construct, id: str, *, bucket_name: str, retain: bool, access_logs: s3.IBucket) -> s3.Bucket:
    """The distributions' standard logs. CloudFront writes them with an ACL, so this bucket (unlike the
    others) keeps ACLs enabled for the bucket owner (``BUCKET_OWNER_PREFERRED``)."""
    bucket = s3.Bucket(
        scope,
        id,
        bucket_name=bucket_name,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        versioned=True,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=f"{bucket_name}/",
        lifecycle_rules=[
            s3.LifecycleRule(id="expire-logs", expiration=Duration.days(365)),
            s3.LifecycleRule(id="expire-old-versions", noncurrent_version_expiration=Duration.days(30)),
        ],
        removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        auto_delete_objects=not retain,
    )
    return bucket
