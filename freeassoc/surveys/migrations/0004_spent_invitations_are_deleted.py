from django.db import migrations, models


def count_issued_and_delete_spent(apps, schema_editor):
    """Each collector keeps how many invitations it issued; the rows of used invitations go
    (a used row's transaction id joined it to the draft it opened)."""
    Collector = apps.get_model("surveys", "Collector")
    InvitationToken = apps.get_model("surveys", "InvitationToken")
    for collector in Collector.objects.filter(kind="invite"):
        issued = InvitationToken.objects.filter(collector=collector).count()
        Collector.objects.filter(pk=collector.pk).update(invitations_issued=issued)
    InvitationToken.objects.filter(used=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0003_response_survey_id_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='collector',
            name='invitations_issued',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_issued_and_delete_spent, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='invitationtoken',
            name='used',
        ),
    ]
