"""API tokens: a user creates their token with username and password (and an
authentication code when they sign in with two factors), and revokes it."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import policy, two_factor
from .policy import ActionRefused


class TokenRequestSerializer(AuthTokenSerializer):
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_(
            "Authentication code (or a backup code), for users who sign in with two factors."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`."))


class TokenView(APIView):
    """Create (or fetch) and revoke the caller's API token."""

    permission_classes = [AllowAny]
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token",
        description=(
            "Exchange a username and password for the user's API token (the same token "
            "until it is revoked). Users who sign in with two factors add `code`; staff "
            "whose role requires two-factor sign-in must have set it up first. Throttled "
            "per address; repeated failures lock the account name and the address."
        ),
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        examples=[
            OpenApiExample(
                "Sign in", value={"username": "producer", "password": "demo"}, request_only=True
            ),
            OpenApiExample(
                "Token",
                value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                response_only=True,
            ),
        ],
        tags=["auth"],
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # A token must not be a way around two-factor sign-in.
        if two_factor.has_two_factor(user):
            code = serializer.validated_data.get("code", "")
            if not code:
                raise ValidationError({"code": [_("Give the code from your authenticator app.")]})
            if two_factor.verify_code(user, code) is None:
                raise ValidationError({"code": [_("This code is not valid.")]})
        elif policy.must_use_two_factor(user):
            raise ActionRefused(
                str(
                    _(
                        "Your role requires two-factor sign-in: set up your authenticator app "
                        "in the web application before asking for an API token."
                    )
                ),
                code=policy.FORBIDDEN,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(
        operation_id="auth_token_destroy",
        summary="Revoke the API token",
        description="Revoke the caller's token; a new one can be created with POST.",
        request=None,
        responses={204: None},
        tags=["auth"],
    )
    def delete(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """Who the caller is, and the roles they hold anywhere."""

    @extend_schema(
        operation_id="me_retrieve",
        summary="The signed-in user",
        responses={200: MeSerializer},
        tags=["auth"],
    )
    def get(self, request):
        user = request.user
        return Response(
            {
                "id": user.pk,
                "username": user.username,
                "name": str(user),
                "roles": sorted(set(user.memberships.values_list("role", flat=True))),
            }
        )
