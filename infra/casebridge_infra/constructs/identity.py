"""Cognito user pool for agents, its hosted UI domain, and the app client of the agents' app. The
pool's ARN configures the API's Cognito authorizer (``CASEBRIDGE_COGNITO_USER_POOL_ARN``).

The agents' app signs in through the hosted UI with the authorization code flow and PKCE
(``web/agents/src/auth/pkce.ts``): a public client (no secret), the code flow only (never the
implicit flow), the ``openid email profile`` scopes the app asks for, and exactly the app's
callback and sign-out URLs; nothing is left to CDK's defaults (which would allow the implicit flow,
every scope and an example.com callback)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct


class Identity(Construct):
    def __init__(self, scope: Construct, id: str, *, prefix: str, retain: bool) -> None:
        super().__init__(scope, id)
        self.prefix = prefix
        self.user_pool = cognito.UserPool(
            self,
            "Agents",
            user_pool_name=f"{prefix}-agents",
            self_sign_up_enabled=False,  # agents are invited by an administrator
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=retain,
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )
        # Hosted UI at https://<prefix>-agents.auth.<region>.amazoncognito.com (a custom domain needs
        # a certificate in us-east-1: docs/deploy.md).
        self.domain_prefix = f"{prefix}-agents"
        self.domain = self.user_pool.add_domain(
            "HostedUi", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=self.domain_prefix)
        )
        self.client: cognito.UserPoolClient | None = None

    @property
    def hosted_ui_url(self) -> str:
        return self.domain.base_url()

    def agent_console(self, *, callback_url: str, logout_url: str) -> cognito.UserPoolClient:
        """The agents' app's client: authorization code + PKCE only, for exactly its URLs."""
        self.client = self.user_pool.add_client(
            "AgentConsole",
            user_pool_client_name=f"{self.prefix}-agent-console",
            generate_secret=False,
            # SRP stays for SDK sign-in (scripts, tests against a pool); the app uses the hosted UI.
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=False),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[callback_url],
                logout_urls=[logout_url],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            enable_token_revocation=True,
            prevent_user_existence_errors=True,
            # The app keeps tokens in sessionStorage and refreshes a minute before expiry: an hour
            # for the tokens it sends, a working day for the refresh token (a stolen one lapses).
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),
            auth_session_validity=Duration.minutes(5),
        )
        return self.client
