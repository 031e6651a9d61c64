from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import DeviceGrantPupil, HomeLoginCode


def issue_home_code(*, pupil, by=None):
    """Make a new home login code for ``pupil`` and return it as text (shown once, never stored).

    The pupil's previous code stops working, and so does every device that entered it.
    """
    with transaction.atomic():
        old = HomeLoginCode.objects.current().filter(pupil=pupil)
        DeviceGrantPupil.objects.filter(code__in=old).delete()
        old.update(revoked_at=timezone.now())
        verifier = HomeLoginCode.random_part(8)
        code = HomeLoginCode(pupil=pupil, created_by=by)
        code.set_verifier(verifier)
        # 31**4 selectors: a clash is rare but possible, so draw again until one is free.
        for _attempt in range(20):
            code.selector = HomeLoginCode.random_part(4)
            try:
                with transaction.atomic():
                    code.save()
                break
            except IntegrityError:
                code.pk = None
        else:
            raise RuntimeError("no free home login code selector found")
    return HomeLoginCode.format(code.selector, verifier)
