import pytest

from software.models import SyncPermission
from tests.api.publisher import Api, make_api_client, token_for


@pytest.fixture
def api_client(rekenroute):
    """Rekenroute's publisher's machine client, with every scope."""
    return make_api_client(rekenroute.publisher)


@pytest.fixture
def permission(school, rekenroute):
    return SyncPermission.objects.create(school=school, publisher=rekenroute.publisher)


@pytest.fixture
def api(client, api_client, issuer):
    return Api(client, token_for(client, api_client))
