"""What publishers learn about a pupil through OpenID Connect: as little as they need.

- ``sub``: a pairwise pseudonym, a keyed hash of the publisher and the user
  (Publisher.pairwise_sub): two publishers cannot link a pupil; one publisher always gets the
  same ``sub``.
- ``school`` (BRIN + vestiging) and ``school_name``, ``group`` and ``year_level`` (pupils),
  ``role`` ("leerling" or "leerkracht").
- ``given_name`` only when the school's licence says the software needs names; ``eckid`` only
  when the school recorded consent for it on the licence.
Never a last name, birth date or e-mail address.
"""

import hashlib

from django.utils import timezone
from oauth2_provider.models import get_grant_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.openid import Server

from schools.models import Teacher
from software import backchannel
from software.models import PUPIL_CLAIMS, ApiClient, IssuedCode, Licence, Release, code_hash

Grant = get_grant_model()
RefreshToken = get_refresh_token_model()


class BasispoortServer(Server):
    """oauthlib's OpenID Connect server with only what publishers need: the authorization code
    flow (response type ``code``), its token exchange and refresh, and Bearer access tokens;
    and client credentials for a publisher's API client only (BasispoortValidator
    .validate_grant_type), whose tokens never speak for a person. No implicit, hybrid,
    password or device grant, and an ID token is never accepted as an access token."""

    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        self._response_types = {"code": self.auth_grant_choice}
        self._grant_types = {"authorization_code": self.token_grant_choice,
                             "refresh_token": self.refresh_grant,
                             "client_credentials": self.credentials_grant}
        self._tokens = {"Bearer": self.bearer}


def _api_client(client):
    try:
        return client.api_client if client is not None else None
    except ApiClient.DoesNotExist:
        return None


class BasispoortValidator(OAuth2Validator):
    # The licence, not the requested scope, decides which claims a publisher gets.
    oidc_claim_scope = None

    def get_claim_dict(self, request):
        user, software = request.user, request.client.software
        pupil = getattr(user, "pupil", None)
        teacher = Teacher.objects.for_user(user)
        if pupil is None and teacher is None:
            # A token without a pupil or teacher behind it (none is issued, but the admin can
            # make anything): nobody to describe.
            raise errors.InvalidTokenError(request=request)
        school = pupil.school if pupil else teacher.school
        claims = {
            "sub": software.publisher.pairwise_sub(user),
            "role": "leerling" if pupil else "leerkracht",
            "school": f"{school.brin}{school.vestiging}",
            "school_name": school.name,
        }
        licence = Licence.objects.filter(school=school, software=software).first()
        if pupil:
            # The pupil's own year level: in a combination group "Groep 1/2" pupils differ.
            level = pupil.jaargroep
            claims.update(group=pupil.group.name, year_level=int(level) if level.isdigit() else level or None)
            if pupil.eckid and licence and licence.shares_eckid:
                claims["eckid"] = pupil.eckid
        if licence and licence.shares_first_name:
            claims["given_name"] = pupil.first_name if pupil else user.first_name
        return claims

    def get_discovery_claims(self, request):
        return list(PUPIL_CLAIMS)

    # Every release of a pupil's claims is recorded (software.Release), so parents see what
    # publishers really received, not only what the licence allows.

    def finalize_id_token(self, id_token, token, token_handler, request):
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        Release.objects.record(user=request.user, client=request.client,
                               channel=Release.Channel.ID_TOKEN, claims=id_token)
        return signed

    def get_userinfo_claims(self, request):
        claims = super().get_userinfo_claims(request)
        Release.objects.record(user=request.user, client=request.client,
                               channel=Release.Channel.USERINFO, claims=claims)
        return claims

    # Scopes: "openid" is required; "profile" is accepted (the licence decides the claims);
    # any other value is ignored, as OpenID Connect Core §3.1.2.1 asks, and the token
    # response's "scope" says what was granted.

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        if request.grant_type == "client_credentials":
            # A publisher's API client: the API scopes it was given, never "openid".
            allowed = _api_client(client).scope_list
            request.scopes = [scope for scope in scopes if scope in allowed]
            return bool(request.scopes) and set(scopes) <= set(allowed)
        request.scopes = [scope for scope in scopes if scope in oauth2_settings._SCOPES]
        return "openid" in request.scopes

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        if request.grant_type == "client_credentials":
            return _api_client(request.client).scope_list
        return super().get_default_scopes(client_id, request, *args, **kwargs)

    # Client credentials: only an application registered as a publisher's API client (ApiClient)
    # with that grant; a single sign-on client never, whatever its grant type says.

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        is_api_client = _api_client(client) is not None
        if grant_type == "client_credentials":
            return is_api_client and super().validate_grant_type(
                client_id, grant_type, client, request, *args, **kwargs)
        return not is_api_client and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs)

    # The authorize view answers prompt=none itself (login_required, access_denied) before
    # oauthlib asks these; there is never a consent screen.

    def validate_silent_login(self, request):
        return True

    def validate_silent_authorization(self, request):
        return True

    # Codes: single use from the first try, and a replay revokes what the code gave.

    def _create_authorization_code(self, request, code, expires=None):
        grant = super()._create_authorization_code(request, code, expires)
        now = timezone.now()
        sid = getattr(request, "sid", None) or ""
        IssuedCode.objects.create(code_hash=code_hash(code["code"]),
                                  auth_time=getattr(request, "auth_time", None) or now, sid=sid)
        if sid:
            # Which software this session opened: it hears when the session ends.
            backchannel.record(sid=sid, user=request.user, software=request.client.software,
                               classroom_device=getattr(request, "classroom_device", ""),
                               home_device=getattr(request, "home_device", None))
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        """The client has authenticated; its code is used up now, whatever follows (a wrong
        PKCE verifier or redirect URI included), and of two parallel exchanges only one wins
        the delete. A code seen before revokes every token issued from it."""
        grant = Grant.objects.filter(code=code, application=client).first()
        if grant is None or not Grant.objects.filter(pk=grant.pk).delete()[0]:
            issued = IssuedCode.objects.filter(code_hash=code_hash(code)).first()
            if issued is not None and issued.token_family is not None:
                RefreshToken.revoke_family(issued.token_family)
            return False
        if grant.is_expired():
            return False
        request.used_grant = grant
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        issued = IssuedCode.objects.filter(code_hash=code_hash(code)).first()
        request.auth_time = issued.auth_time if issued else None
        request.sid = issued.sid if issued else ""
        return True

    # validate_code deleted the grant; what oauthlib asks about it afterwards comes from the
    # copy it kept.

    def get_code_challenge(self, code, request):
        return request.used_grant.code_challenge or None

    def get_code_challenge_method(self, code, request):
        return request.used_grant.code_challenge_method or None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *args, **kwargs):
        return request.used_grant.redirect_uri_allowed(redirect_uri)

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        grant = getattr(request, "used_grant", None)
        return grant.nonce or None if grant else None

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        pass  # validate_code deleted it

    def save_bearer_token(self, token, request, *args, **kwargs):
        result = super().save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code" and token.get("refresh_token"):
            family = RefreshToken.objects.filter(
                token_checksum=hashlib.sha256(token["refresh_token"].encode()).hexdigest()
            ).values_list("token_family", flat=True).first()
            IssuedCode.objects.filter(code_hash=code_hash(request.code)).update(
                token_family=family, redeemed_at=timezone.now())
        return result

    # auth_time: when this session logged in (the authorize view stored it with the code), also
    # in the ID token of a refresh; not the account's last login anywhere. sid: the session's
    # id, which a back-channel logout token names (software/backchannel.py).

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        auth_time, sid = getattr(request, "auth_time", None), getattr(request, "sid", None)
        refreshed = getattr(request, "refresh_token_instance", None)
        if auth_time is None and refreshed is not None and refreshed.token_family:
            auth_time, sid = IssuedCode.objects.filter(token_family=refreshed.token_family).values_list(
                "auth_time", "sid").first() or (None, None)
        if auth_time is not None:
            claims["auth_time"] = int(auth_time.timestamp())
        if sid:
            claims["sid"] = sid
        return claims, expiration_time
