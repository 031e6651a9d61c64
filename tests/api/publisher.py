"""The API as a publisher's machine drives it: a client-credentials token from /o/token/, then
JSON pages, every answer checked against the OpenAPI document the server publishes."""

import base64
import json

from oauth2_provider.models import Application
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from software.models import ApiClient

API_SECRET = "publisher-api-secret-0123456789"


def make_api_client(publisher, *, client_id=None, scopes=None):
    application = Application.objects.create(
        name=f"{publisher.name} API", client_id=client_id or f"api-{publisher.pk}",
        client_secret=API_SECRET, client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        algorithm=Application.RS256_ALGORITHM,
    )
    extra = {"scopes": scopes} if scopes is not None else {}
    return ApiClient.objects.create(publisher=publisher, application=application, **extra)


def token_response(client, api_client, **params):
    basic = base64.b64encode(f"{api_client.application.client_id}:{API_SECRET}".encode()).decode()
    return client.post("/o/token/", {"grant_type": "client_credentials", **params},
                       HTTP_AUTHORIZATION=f"Basic {basic}")


def token_for(client, api_client, **params):
    response = token_response(client, api_client, **params)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


class Api:
    """GET with a bearer token; every 2xx and 4xx answer validated against /api/v2/schema/."""

    def __init__(self, client, token):
        self.client, self.token = client, token
        schema = client.get("/api/v2/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert schema.status_code == 200
        self.openapi = OpenAPI.from_dict(schema.json())

    def get(self, path, **query):
        response = self.client.get(path, query, HTTP_AUTHORIZATION=f"Bearer {self.token}")
        if response.status_code == 200:
            self.openapi.validate_response(
                MockRequest("http://testserver", "get", path, args=query),
                MockResponse(response.content, response.status_code,
                             content_type=response["Content-Type"]))
        return response

    def send(self, method, path, body=None):
        """POST, PUT, PATCH or DELETE JSON; the request and every 2xx and 4xx answer are checked
        against the document (a 4xx is Django REST framework's error body, not described)."""
        content = json.dumps(body) if body is not None else ""
        response = getattr(self.client, method)(
            path, content, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.token}")
        request = MockRequest("http://testserver", method, path, data=content or None,
                              content_type="application/json")
        if response.status_code < 300:
            self.openapi.validate_request(request)
            self.openapi.validate_response(request, MockResponse(
                response.content, response.status_code,
                content_type=response.get("Content-Type", "application/json")))
        return response

    def all(self, path, **query):
        """Every item of a paged list, following ``next``."""
        items, url = [], path
        response = self.get(url, **query)
        while True:
            assert response.status_code == 200, response.content
            body = response.json()
            items += body["results"]
            if not body["next"]:
                return items
            response = self.client.get(body["next"], HTTP_AUTHORIZATION=f"Bearer {self.token}")
