"""Who is asking: a publisher's API client with a client-credentials token from /o/token/.

A token issued to a pupil or teacher (single sign-on) is refused here, as is a token of an
application that is not a publisher's API client: the API speaks only to publishers' machines."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions, permissions

from software.models import API_SCOPES, ApiClient


class Publisher:
    """request.user of the API: the publisher behind the token, and what the token may do."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, api_client, token):
        self.api_client = api_client
        self.publisher = api_client.publisher
        self.scopes = set(token.scope.split()) & set(api_client.scope_list)

    def __str__(self):
        return str(self.publisher)


class PublisherAuthentication(OAuth2Authentication):
    www_authenticate_realm = "basispoort-api"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        api_client = (ApiClient.objects.select_related("publisher")
                      .filter(application_id=token.application_id).first())
        if user is not None or api_client is None:
            raise exceptions.AuthenticationFailed(
                _("Dit token is niet van een API-client van een uitgever."))
        return Publisher(api_client, token), token


class HasScope(permissions.BasePermission):
    """The view's ``required_scope`` is among the token's scopes."""

    message = _("Dit token heeft de scope voor dit deel van de API niet.")

    def has_permission(self, request, view):
        user = request.user
        return isinstance(user, Publisher) and view.required_scope in user.scopes


class PublisherAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = PublisherAuthentication
    name = "uitgever"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "Client credentials van de API-client van de uitgever.",
            "flows": {"clientCredentials": {
                "tokenUrl": "/o/token/",
                "scopes": {scope: str(text) for scope, text in API_SCOPES.items()},
            }},
        }

    def get_security_requirement(self, auto_schema):
        scope = getattr(auto_schema.view, "required_scope", None)
        return {self.name: [scope] if scope else []}
