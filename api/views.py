"""/api/v2/: the publishers' roster API. Every view: a client-credentials token of the
publisher's API client (PublisherAuthentication) with the scope of the resource (HasScope);
every school-bound view: the school's permission for this publisher (roster.school_for).
Writes (products, licence grants) go through api/grants.py, which audits them."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, pagination, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from pupils.models import Pupil
from schools.models import Group, School, Teacher
from software.models import Product, ProductGrant, RetiredPseudonym, SyncPermission

from . import grants, serializers
from .authentication import HasScope, PublisherAuthentication
from .roster import Release, record_pupils_released, school_for

SINCE = OpenApiParameter(
    "gewijzigd_sinds", OpenApiTypes.DATETIME, required=False,
    description="Alleen wat sinds dit tijdstip (ISO 8601, met tijdzone) is gewijzigd, ook wat "
                "niet meer actief is. Neem het begin van uw vorige synchronisatie.")


class RosterPagination(pagination.CursorPagination):
    """Pages that stay right while the roster changes under a sync: a row that changes moves
    behind the cursor (and comes again), none is skipped. The cursor holds a time, not an id."""

    ordering = ("updated_at", "pk")
    page_size = 100
    page_size_query_param = "aantal"
    max_page_size = 1000
    offset_cutoff = 1_000_000  # an import gives thousands of pupils the same time


class ListPagination(pagination.PageNumberPagination):
    page_size = 100
    page_size_query_param = "aantal"
    max_page_size = 1000


def _since(request, name="gewijzigd_sinds"):
    value = request.query_params.get(name)
    if value is None:
        return None
    moment = parse_datetime(value.replace(" ", "+"))  # a "+" that was not URL-encoded
    if moment is None or moment.tzinfo is None:
        raise ValidationError({name: [_("Geef een tijdstip als 2026-09-01T02:00:00+02:00.")]})
    return moment


class PublisherView(generics.GenericAPIView):
    authentication_classes = [PublisherAuthentication]
    permission_classes = [HasScope]

    @property
    def publisher(self):
        return self.request.user.publisher

    def school(self):
        if not hasattr(self, "_school"):
            self._school = school_for(self.publisher, self.kwargs["code"])
        return self._school

    def release(self):
        if not hasattr(self, "_release"):
            self._release = Release(self.publisher, self.school())
        return self._release


# Schools


@extend_schema(parameters=[OpenApiParameter(
    "sinds", OpenApiTypes.DATETIME, required=False,
    description="Alleen scholen die sinds dit tijdstip toestemming gaven.")])
class SchoolList(PublisherView, generics.ListAPIView):
    """Scholen die deze uitgever toestemming gaven om hun gegevens op te halen."""

    required_scope = "instellingen"
    serializer_class = serializers.SchoolSerializer
    pagination_class = ListPagination

    def get_queryset(self):
        permissions = SyncPermission.objects.granted().filter(publisher=self.publisher)
        since = _since(self.request, "sinds")
        if since is not None:
            permissions = permissions.filter(granted_at__gte=since)
        return School.objects.filter(pk__in=permissions.values("school_id")).order_by("brin", "vestiging")


@extend_schema(parameters=[OpenApiParameter(
    "sinds", OpenApiTypes.DATETIME, required=True,
    description="Scholen die sinds dit tijdstip hun toestemming introkken.")])
class RevokedSchoolList(PublisherView, generics.ListAPIView):
    """Scholen die hun toestemming introkken: verwijder wat u van deze scholen heeft."""

    required_scope = "instellingen"
    serializer_class = serializers.SchoolChangeSerializer
    pagination_class = ListPagination

    def get_queryset(self):
        since = _since(self.request, "sinds")
        if since is None:
            raise ValidationError({"sinds": [_("Geef aan sinds wanneer.")]})
        return (SyncPermission.objects.filter(publisher=self.publisher, revoked_at__gte=since)
                .exclude(granted=True, school__active=True)
                .select_related("school").order_by("revoked_at", "pk"))


class SchoolDetail(PublisherView, generics.RetrieveAPIView):
    """Eén school."""

    required_scope = "instellingen"
    serializer_class = serializers.SchoolDetailSerializer

    def get_object(self):
        return self.school()


# Groups, pupils, staff of one school


@extend_schema(parameters=[SINCE])
class GroupList(PublisherView, generics.ListAPIView):
    """De groepen van een school waarvoor deze uitgever een licentie heeft."""

    required_scope = "groepen"
    serializer_class = serializers.GroupSerializer
    pagination_class = RosterPagination

    def get_queryset(self):
        groups = self.release().groups()
        since = _since(self.request)
        return groups.filter(updated_at__gte=since) if since is not None else groups


@extend_schema(parameters=[SINCE])
class PupilList(PublisherView, generics.ListAPIView):
    """De leerlingen van de groepen waarvoor deze uitgever een licentie heeft. Met
    ``gewijzigd_sinds`` ook leerlingen die niet meer actief zijn (``actief: false``): verwijder
    die."""

    required_scope = "leerlingen"
    serializer_class = serializers.PupilSerializer
    pagination_class = RosterPagination

    def get_queryset(self):
        release = self.release()
        pupils = (Pupil.objects.filter(school=self.school()).select_related("group")
                  .only("pk", "user_id", "inherited_subject", "group_id", "jaargroep", "first_name",
                        "eckid", "active", "updated_at", "group__name")
                  .prefetch_related(Prefetch("composed_groups", queryset=Group.objects.only("pk"))))
        if release.group_ids() is not None:
            pupils = pupils.filter(group_id__in=release.group_ids())
        since = _since(self.request)
        if since is None:
            return pupils.filter(active=True)
        return pupils.filter(updated_at__gte=since)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        serializer = self.get_serializer(page, many=True, context={
            **self.get_serializer_context(), "release": self.release(),
            "pseudonyms": self.publisher.pseudonyms(pupil.subject for pupil in page)})
        record_pupils_released(token=request.auth, publisher=self.publisher, school=self.school(),
                               pupils=page, items=serializer.data)
        return self.get_paginated_response(serializer.data)


@extend_schema(parameters=[OpenApiParameter(
    "sinds", OpenApiTypes.DATETIME, required=True, description="Vervallen sinds dit tijdstip.")])
class RetiredPupilList(PublisherView, generics.ListAPIView):
    """Pseudoniemen van leerlingen die deze uitgever niet meer krijgt, omdat de school het
    pseudoniem verving: verwijder wat u onder dat pseudoniem bewaart. De leerling komt met een
    nieuw pseudoniem in de wijzigingen; niets verbindt het oude met het nieuwe."""

    required_scope = "leerlingen"
    serializer_class = serializers.RetiredSerializer
    pagination_class = ListPagination

    def get_queryset(self):
        since = _since(self.request, "sinds")
        if since is None:
            raise ValidationError({"sinds": [_("Geef aan sinds wanneer.")]})
        return RetiredPseudonym.objects.filter(publisher=self.publisher, school=self.school(),
                                               retired_at__gte=since)


class StaffList(PublisherView, generics.ListAPIView):
    """De medewerkers van een school."""

    required_scope = "staf"
    serializer_class = serializers.StaffSerializer
    pagination_class = ListPagination

    def get_queryset(self):
        return (Teacher.objects.filter(school=self.school()).select_related("user")
                .prefetch_related(Prefetch("groups", queryset=Group.objects.only("pk")))
                .order_by("pk"))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        serializer = self.get_serializer(page, many=True, context={
            **self.get_serializer_context(), "release": self.release(), "school": self.school(),
            "pseudonyms": self.publisher.pseudonyms(f"user:{t.user_id}" for t in page)})
        return self.get_paginated_response(serializer.data)



# Products and licence grants (scope "licenties")


class ProductMixin:
    required_scope = "licenties"
    serializer_class = serializers.ProductSerializer

    def get_queryset(self):
        return (Product.objects.filter(publisher=self.publisher)
                .select_related("software__application").order_by("code"))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "publisher": self.publisher}


class ProductList(ProductMixin, PublisherView, generics.ListCreateAPIView):
    """Uw producten: naam, icoon, start-URL, doelgroep en de software (OpenID Connect-client)
    waarmee het product inlogt. Een product kent u toe aan leerlingen of groepen via
    ``/instellingen/{id}/licenties/``."""

    pagination_class = ListPagination

    def perform_create(self, serializer):
        with transaction.atomic():
            product = serializer.save()
            grants.record_api_write(self.request, publisher=self.publisher,
                                    detail=f"product {product.code} ({product.name}) aangemaakt")


@extend_schema(parameters=[OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH,
                                            description="Uw productcode")])
class ProductDetail(ProductMixin, PublisherView, generics.RetrieveUpdateDestroyAPIView):
    """Eén product. Verwijderen trekt ook alle toekenningen ervan in, op alle scholen."""

    lookup_field = "code"

    def perform_update(self, serializer):
        with transaction.atomic():
            product = serializer.save()
            grants.record_api_write(self.request, publisher=self.publisher,
                                    detail=f"product {product.code} ({product.name}) gewijzigd")

    def perform_destroy(self, product):
        with transaction.atomic():
            count = product.grants.count()
            grants.record_api_write(self.request, publisher=self.publisher,
                                    detail=f"product {product.code} ({product.name}) verwijderd, "
                                           f"met {count} toekenningen")
            product.delete()


class GrantListSchema(AutoSchema):
    def _get_paginator(self):
        # The list pages; a bulk grant answers with the plain list of what it granted.
        return None if self.method == "POST" else super()._get_paginator()


@extend_schema(parameters=[OpenApiParameter("product", OpenApiTypes.STR, required=False,
                                            description="Alleen toekenningen van deze productcode.")])
class GrantList(PublisherView, generics.ListCreateAPIView):
    """Uw toekenningen van producten aan leerlingen en groepen van deze school. Toekennen gaat in
    bulk: een lijst van toekenningen, samen hooguit 1000 leerlingen en groepen. Alles of niets:
    een onbekend pseudoniem, een groep of product dat niet bestaat of niet van u is, en er wordt
    niets opgeslagen (400, met de foute waarden). Een bestaande toekenning krijgt de nieuwe
    data. Een leerling met een geldige toekenning ziet het product in Basispoort, op school en
    thuis, en mag inloggen met de software ervan."""

    required_scope = "licenties"
    serializer_class = serializers.GrantSerializer
    pagination_class = ListPagination
    schema = GrantListSchema()

    def get_queryset(self):
        grants = (ProductGrant.objects.filter(school=self.school(), product__publisher=self.publisher)
                  .select_related("product", "group", "pupil")
                  .only("pk", "valid_from", "valid_until", "updated_at", "product__code",
                        "group__external_id", "pupil__user_id", "pupil__inherited_subject")
                  .order_by("pk"))
        product = self.request.query_params.get("product")
        return grants.filter(product__code=product) if product else grants

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        serializer = self.get_serializer(page, many=True, context={
            **self.get_serializer_context(),
            "pseudonyms": self.publisher.pseudonyms(g.pupil.subject for g in page if g.pupil_id)})
        return self.get_paginated_response(serializer.data)

    @extend_schema(request=serializers.GrantRequestSerializer(many=True),
                   responses={201: serializers.GrantSerializer(many=True)})
    def post(self, request, *args, **kwargs):
        school = self.school()
        incoming = serializers.GrantRequestSerializer(data=request.data, many=True)
        incoming.is_valid(raise_exception=True)
        made, pseudonyms = grants.grant_products(
            publisher=self.publisher, api_client=request.user.api_client, school=school,
            items=incoming.validated_data, request=request)
        data = serializers.GrantSerializer(made, many=True, context={"pseudonyms": pseudonyms}).data
        return Response(data, status=status.HTTP_201_CREATED)


class GrantDetail(PublisherView, generics.GenericAPIView):
    """Eén toekenning intrekken."""

    required_scope = "licenties"
    serializer_class = serializers.GrantSerializer

    @extend_schema(responses={204: None})
    def delete(self, request, *args, **kwargs):
        grants.revoke_grants(publisher=self.publisher, school=self.school(),
                             ids=[int(self.kwargs["pk"])], request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GrantRevoke(PublisherView, generics.GenericAPIView):
    """Toekenningen in bulk intrekken, alles of niets: staat er één id bij die niet een
    toekenning van u op deze school is, dan wordt niets ingetrokken (400)."""

    required_scope = "licenties"
    serializer_class = serializers.RevokeSerializer

    @extend_schema(responses={200: serializers.RevokedSerializer})
    def post(self, request, *args, **kwargs):
        school = self.school()
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        count = grants.revoke_grants(publisher=self.publisher, school=school,
                                     ids=incoming.validated_data["ids"], request=request)
        return Response({"ingetrokken": count})
