"""Cognito user pool for agents, with an app client for the agent console. Its ARN configures
the API's Cognito authorizer (``CASEBRIDGE_COGNITO_USER_POOL_ARN``)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct


class Identity(Construct):
    def __init__(self, scope: Construct, id: str, *, prefix: str, retain: bool) -> None:
        super().__init__(scope, id)
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
        self.client = self.user_pool.add_client(
            "AgentConsole",
            user_pool_client_name=f"{prefix}-agent-console",
            generate_secret=False,
            # The console signs agents in with SRP through the SDK; there is no hosted UI domain, so
            # no OAuth: CDK's defaults would allow the implicit flow, every scope and an example.com
            # callback.
            auth_flows=cognito.AuthFlow(user_srp=True),
            disable_o_auth=True,
            enable_token_revocation=True,
            prevent_user_existence_errors=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )
