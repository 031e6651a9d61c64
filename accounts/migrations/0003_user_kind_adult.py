"""Teachers and parents become one kind of account, "adult": their roles come from staff
memberships (schools.Teacher) and child links (homelogin.GuardianLink)."""

import django.db.models.functions.text
from django.db import migrations, models

import accounts.models


def to_adults(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(kind__in=["teacher", "guardian"]).update(kind="adult")


def to_teachers_and_guardians(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(kind="adult", school_roles__isnull=False).update(kind="teacher")
    User.objects.filter(kind="adult").update(kind="guardian")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_user_language"),
        ("schools", "0004_edexml_21"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[("objects", accounts.models.UserManager())],
        ),
        migrations.RemoveConstraint(model_name="user", name="user_kind_valid"),
        migrations.AlterField(
            model_name="user",
            name="kind",
            field=models.CharField(
                choices=[("admin", "platformbeheerder"), ("adult", "volwassene"), ("pupil", "leerling")],
                max_length=10, verbose_name="soort",
            ),
        ),
        migrations.RunPython(to_adults, to_teachers_and_guardians),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(kind__in=["admin", "adult", "pupil"]), name="user_kind_valid_v2"
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("kind", "adult"), models.Q(("email", ""), _negated=True)),
                name="user_adult_email_unique",
            ),
        ),
    ]
