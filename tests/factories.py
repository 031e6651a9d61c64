import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from homelogin.models import GuardianLink
from pupils.models import Pupil
from schools.models import Group, School, Teacher
from software.models import Licence, Publisher, Software


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    brin = factory.Sequence(lambda n: f"{10 + n % 90:02d}{chr(65 + n // 90 % 26)}{chr(65 + n % 26)}")
    vestiging = "00"
    name = factory.Sequence(lambda n: f"Basisschool {n}")


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    school = factory.SubFactory(SchoolFactory)
    # Never "Groep 5a" (the fixture group's name, and tests' own), and never the same name twice
    # in a session: a school's group names are unique per year, and the counter runs across tests.
    name = factory.Sequence(lambda n: f"Groep {n % 8 + 1}{chr(98 + n // 8 % 25)}{n // 200 or ''}")
    year_level = 5


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Kim"
    last_name = "Jansen"
    kind = User.Kind.ADULT
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeacherFactory(DjangoModelFactory):
    class Meta:
        model = Teacher
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, kind=User.Kind.ADULT)
    school = factory.SubFactory(SchoolFactory)

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.set(extracted)


class GuardianFactory(UserFactory):
    kind = User.Kind.ADULT
    username = factory.Sequence(lambda n: f"ouder{n}@example.nl")
    email = factory.SelfAttribute("username")


class PupilFactory(DjangoModelFactory):
    """A pupil with PIN ``pin`` (default 1234); pass ``pictures=[...]`` for a picture password."""

    class Meta:
        model = Pupil
        skip_postgeneration_save = True

    class Params:
        pin = "1234"
        pictures = None

    group = factory.SubFactory(GroupFactory)
    school = factory.SelfAttribute("group.school")
    jaargroep = factory.LazyAttribute(lambda p: str(p.group.year_level or ""))
    user = factory.SubFactory(UserFactory, kind=User.Kind.PUPIL, password=None)
    first_name = factory.Sequence(lambda n: f"Leerling{n}")
    last_name = "de Boer"
    external_id = factory.Sequence(lambda n: f"ext-{n}")

    @factory.lazy_attribute
    def secret_hash(self):
        probe = Pupil(school=self.school)
        if self.pictures:
            probe.set_picture_password(self.pictures)
        else:
            probe.set_pin(self.pin)
        return probe.secret_hash

    @factory.lazy_attribute
    def secret_kind(self):
        return Pupil.SecretKind.PICTURE if self.pictures else Pupil.SecretKind.PIN


class GuardianLinkFactory(DjangoModelFactory):
    class Meta:
        model = GuardianLink

    pupil = factory.SubFactory(PupilFactory)
    guardian = factory.SubFactory(GuardianFactory)


class PublisherFactory(DjangoModelFactory):
    class Meta:
        model = Publisher

    name = factory.Sequence(lambda n: f"Uitgeverij {n}")


class SoftwareFactory(DjangoModelFactory):
    class Meta:
        model = Software

    publisher = factory.SubFactory(PublisherFactory)
    name = factory.Sequence(lambda n: f"Programma {n}")
    slug = factory.Sequence(lambda n: f"programma-{n}")
    launch_url = factory.LazyAttribute(lambda o: f"https://{o.slug}.example/login")


class LicenceFactory(DjangoModelFactory):
    class Meta:
        model = Licence
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    software = factory.SubFactory(SoftwareFactory)
    home_use = False

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.all_groups = False
            obj.save(update_fields=["all_groups"])
            obj.groups.set(extracted)
