import django.db.models.deletion
from django.db import migrations, models


def drafts_to_survey(apps, schema_editor):
    """A draft names its survey and the kind of collector, no longer the collector; the kept
    shells of sent drafts go (their key hash matched the cookie left in the browser)."""
    Draft = apps.get_model("surveys", "Draft")
    Draft.objects.filter(submitted=True).delete()
    for draft in Draft.objects.select_related("collector"):
        draft.survey_id = draft.collector.survey_id
        draft.collector_kind = draft.collector.kind
        draft.save(update_fields=["survey", "collector_kind"])


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0004_spent_invitations_are_deleted'),
    ]

    operations = [
        migrations.AddField(
            model_name='draft',
            name='collector_kind',
            field=models.CharField(choices=[('open', 'Open link'), ('invite', 'Invitations')], default='open', max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='draft',
            name='survey',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='drafts', to='surveys.survey'),
        ),
        migrations.RunPython(drafts_to_survey, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='draft',
            name='collector',
        ),
        migrations.RemoveField(
            model_name='draft',
            name='submitted',
        ),
        migrations.AlterField(
            model_name='draft',
            name='survey',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='drafts', to='surveys.survey'),
        ),
    ]
