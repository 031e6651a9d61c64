"""A publisher's licence grants at one school: all or nothing, in a constant number of queries
whatever the list's length, with one audit entry per request. A pupil is named by the pseudonym
this publisher knows them by (the roster's id, the SSO sub); a retired pseudonym names no one."""

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from pupils.models import Pupil
from schools.models import AuditEntry, Group
from software.models import Product, ProductGrant, forget_product_grants

NAMED_AT_MOST = 20  # an error names this many wrong items, then says how many more


def _named(values):
    values = sorted(values)
    text = ", ".join(values[:NAMED_AT_MOST])
    if len(values) > NAMED_AT_MOST:
        text += " " + _("en nog %(count)d") % {"count": len(values) - NAMED_AT_MOST}
    return text


def _count(number, one, many):
    # Audit details are stored text in Dutch, like every other entry's.
    return f"{number} {one if number == 1 else many}"


def record_api_write(request, *, publisher, school=None, detail):
    """The one audit entry of an API write: the publisher by name (an API client is no person)."""
    AuditEntry.objects.record(request, AuditEntry.Action.API_WRITE, school=school,
                              detail=f"{publisher}: {detail}")


def pupils_by_pseudonym(publisher, school, pseudonyms):
    """{pseudonym: pupil} of the active pupils of ``school`` among ``pseudonyms`` (two queries:
    the school's pupils and this publisher's replaced pseudonyms). A pseudonym is an HMAC, so it
    is found by computing the school's, never by reversing one."""
    if not pseudonyms:
        return {}
    pupils = list(Pupil.objects.filter(school=school, active=True)
                  .only("pk", "user_id", "inherited_subject", "group_id", "school_id"))
    current = publisher.pseudonyms(pupil.subject for pupil in pupils)
    wanted = set(pseudonyms)
    return {current[p.subject]: p for p in pupils if current[p.subject] in wanted}


def grant_products(*, publisher, api_client, school, items, request):
    """Grant ``items`` (validated GrantRequestSerializer data) at ``school``; a grant that
    exists already gets the new dates. Returns the grants and {subject: pseudonym}."""
    codes = {item["product"] for item in items}
    products = {p.code: p for p in Product.objects.filter(publisher=publisher, code__in=codes)
                .only("pk", "code", "name", "audience")}
    pseudonyms = {p for item in items for p in item["leerlingen"]}
    pupils = pupils_by_pseudonym(publisher, school, pseudonyms)
    keys = {k for item in items for k in item["groepen"]}
    groups = ({g.external_id: g for g in Group.objects.filter(school=school).exclude(external_id="")
               .filter(external_id__in=keys).only("pk", "external_id")} if keys else {})

    errors = {}
    if codes - set(products):
        errors["product"] = [_("Onbekende productcodes bij uw organisatie: %(items)s")
                             % {"items": _named(codes - set(products))}]
    staff_only = [code for code, p in products.items() if p.audience != Product.Audience.PUPILS]
    if staff_only:
        errors.setdefault("product", []).append(
            _("Producten voor leerkrachten kunnen nog niet worden toegekend: %(items)s")
            % {"items": _named(staff_only)})
    if pseudonyms - set(pupils):
        errors["leerlingen"] = [_("Deze pseudoniemen horen bij geen leerling van deze school: "
                                  "%(items)s") % {"items": _named(pseudonyms - set(pupils))}]
    if keys - set(groups):
        errors["groepen"] = [_("Deze lasKeys horen bij geen groep van deze school: %(items)s")
                             % {"items": _named(keys - set(groups))}]
    if errors:
        raise ValidationError(errors)

    # A later item about the same product and pupil (or group) wins.
    for_pupils, for_groups = {}, {}
    for item in items:
        product = products[item["product"]]
        dates = {"valid_from": item["geldig_vanaf"], "valid_until": item["geldig_tot"]}
        for pseudonym in item["leerlingen"]:
            pupil = pupils[pseudonym]
            for_pupils[product.pk, pupil.pk] = ProductGrant(
                product=product, school=school, pupil=pupil, granted_by=api_client, **dates)
        for key in item["groepen"]:
            group = groups[key]
            for_groups[product.pk, group.pk] = ProductGrant(
                product=product, school=school, group=group, granted_by=api_client, **dates)
    update = ["school", "valid_from", "valid_until", "granted_by", "updated_at"]
    with transaction.atomic():
        if for_pupils:
            ProductGrant.objects.bulk_create(
                for_pupils.values(), update_conflicts=True, unique_fields=["product", "pupil"],
                update_fields=update, batch_size=len(for_pupils))
        if for_groups:
            ProductGrant.objects.bulk_create(
                for_groups.values(), update_conflicts=True, unique_fields=["product", "group"],
                update_fields=update, batch_size=len(for_groups))
        named = ", ".join(sorted(products[code].name for code in codes))
        record_api_write(request, publisher=publisher, school=school,
                         detail=f"{named} toegekend aan {_count(len(for_pupils), 'leerling', 'leerlingen')}"
                                f" en {_count(len(for_groups), 'groep', 'groepen')}")
    forget_product_grants([school.pk])  # after the commit: no request caches the old state anew
    grants = [*for_pupils.values(), *for_groups.values()]
    return grants, {pupil.subject: pseudonym for pseudonym, pupil in pupils.items()}


def revoke_grants(*, publisher, school, ids, request):
    """Revoke this publisher's grants ``ids`` at ``school``; an id that is not one of them
    (unknown, another school's, another publisher's) revokes nothing."""
    ids = set(ids)
    found = dict(ProductGrant.objects.filter(school=school, product__publisher=publisher, pk__in=ids)
                 .values_list("pk", "product__name"))
    missing = ids - set(found)
    if missing:
        raise ValidationError({"ids": [_("Deze toekenningen bestaan niet bij deze school: %(items)s")
                                       % {"items": _named(str(pk) for pk in missing)}]})
    with transaction.atomic():
        ProductGrant.objects.filter(pk__in=found).delete()
        record_api_write(request, publisher=publisher, school=school,
                         detail=f"{_count(len(found), 'toekenning', 'toekenningen')} ingetrokken "
                                f"({', '.join(sorted(set(found.values())))})")
    forget_product_grants([school.pk])
    return len(found)
