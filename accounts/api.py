"""API tokens: a user creates their token with username and password (and an
authentication code when they sign in with two factors), and revokes it. Also the
caller's own notifications (`notifications`), read and marked read through
`accounts.notifications`, as on the notifications page."""

import contextlib
import copy

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.exceptions import (
    AuthenticationFailed,
    NotAuthenticated,
    PermissionDenied,
    ValidationError,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IdFilter, NotFoundMixin
from core.api_serializers import ModelSerializer

from . import api_tokens, lockout, policy, two_factor
from .forms import ProfileForm
from .models import Notification
from .notifications import (
    notification_mark_read,
    notification_path,
    notifications_mark_all_read,
    notifications_of,
)
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
            "until it expires, `API_TOKEN_TTL_DAYS` after it was issued, or is revoked: "
            "by DELETE, a change of the user's password, or deactivation). Users who sign "
            "in with two factors add `code`; staff whose role requires two-factor sign-in "
            "must have set it up first, and a token issued to them without a code is "
            "refused (403). Throttled per address; wrong passwords and codes count toward "
            "the sign-in lockout of the account name and the address, during which the "
            "answer is 429 with `Retry-After`."
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
        valid = serializer.is_valid()
        # The serializer's authenticate() goes through the lockout backend (django-axes),
        # which refuses a locked-out account or address and counts a wrong password.
        if lockout.is_locked_out(request):
            raise lockout.LockedOut()
        if not valid:
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        # A token must not be a way around two-factor sign-in.
        second_factor = two_factor.has_two_factor(user)
        if second_factor:
            code = serializer.validated_data.get("code", "")
            if not code:
                raise ValidationError({"code": [_("Give the code from your authenticator app.")]})
            if two_factor.verify_code(user, code) is None:
                lockout.count_failure(request, user.get_username())
                if lockout.is_locked_out(request):
                    raise lockout.LockedOut()
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
        token = api_tokens.api_token_issue(user=user, second_factor=second_factor)
        return Response({"token": token.key})

    def perform_authentication(self, request):
        # A client asking for a new token may still send its old one, now refused
        # (expired, revoked): asking for a token needs no token, so ignore it then.
        if request.method != "POST":
            return super().perform_authentication(request)
        with contextlib.suppress(AuthenticationFailed, PermissionDenied):
            request.user  # noqa: B018 - reading it authenticates; refused, it is anonymous

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
        api_tokens.api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileSerializer(serializers.Serializer):
    """The fields of the profile page (its form checks them: an e-mail address another
    account uses is refused)."""

    first_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    last_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    email = serializers.EmailField(max_length=254, allow_blank=True, required=False)
    preferred_language = serializers.ChoiceField(
        choices=[("", "")] + list(settings.LANGUAGES),
        allow_blank=True,
        required=False,
        help_text=_("Pages and e-mails in this language; empty: the language chosen in the menu."),
    )
    email_notifications = serializers.BooleanField(
        required=False, help_text=_("false: notifications are only listed, not e-mailed.")
    )


class MeSerializer(ProfileSerializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


PROFILE_FIELDS = list(ProfileSerializer().fields)


class MeView(APIView):
    """Who the caller is, and the roles they hold anywhere; their profile, changed as on
    the profile page."""

    def _me(self, user) -> Response:
        return Response(
            {
                "id": user.pk,
                "username": user.username,
                "name": str(user),
                "roles": sorted(set(user.memberships.values_list("role", flat=True))),
                **{field: getattr(user, field) for field in PROFILE_FIELDS},
            }
        )

    @extend_schema(
        operation_id="me_retrieve",
        summary="The signed-in user",
        responses={200: MeSerializer},
        tags=["auth"],
    )
    def get(self, request):
        return self._me(request.user)

    @extend_schema(
        operation_id="me_partial_update",
        summary="Change the signed-in user's profile",
        description=(
            "Name, e-mail address, preferred language and whether notifications are "
            "e-mailed, as on the profile page; what is left out stays as it is."
        ),
        request=ProfileSerializer,
        responses={200: MeSerializer},
        tags=["auth"],
    )
    def patch(self, request):
        body = ProfileSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        user = request.user
        data = {field: getattr(user, field) for field in PROFILE_FIELDS} | body.validated_data
        # The page's form, on a copy: a form that does not validate changes nothing.
        form = ProfileForm(data, instance=copy.copy(user))
        if not form.is_valid():
            raise ValidationError(form.errors)
        return self._me(form.save())


# --- the caller's notifications ------------------------------------------------------------


class NotificationSerializer(ModelSerializer):
    text = serializers.CharField(read_only=True, help_text="In the language of the request.")
    alliance_code = serializers.CharField(source="alliance.code", read_only=True)
    link = serializers.SerializerMethodField(
        help_text="The page of the web application the notification leads to."
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "text",
            "alliance",
            "alliance_code",
            "link",
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields

    def get_link(self, notification) -> str:
        path = notification_path(notification)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at",
        lookup_expr="isnull",
        help_text="true: only the notifications not read yet; false: only those read.",
    )
    alliance = IdFilter(field_name="alliance_id", help_text="Alliance id.")

    class Meta:
        model = Notification
        fields = []


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")


@extend_schema_view(
    list=extend_schema(summary="My notifications, newest first"),
    retrieve=extend_schema(summary="One of my notifications"),
)
class NotificationViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """The caller's own in-app notifications (another user's is a 404): what they must
    act on next, and the steps of their alliances."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    not_found_message = _("No such notification.")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no user
            return Notification.objects.none()
        return notifications_of(self.request.user)

    @extend_schema(
        summary="Mark the notification read",
        description="Marking a notification already read again changes nothing.",
        request=None,
        responses={200: NotificationSerializer},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(notification_id=notification.pk, user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=notification.pk)).data)

    @extend_schema(
        summary="Mark all my notifications read",
        request=None,
        responses={200: MarkedSerializer},
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        return Response({"marked": notifications_mark_all_read(user=request.user)})
