import django.db.models.deletion
from django.db import migrations, models


def survey_from_response(apps, schema_editor):
    IdempotencyRecord = apps.get_model("api", "IdempotencyRecord")
    for record in IdempotencyRecord.objects.select_related("response"):
        record.survey_id = record.response.survey_id
        record.save(update_fields=["survey"])


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0001_initial'),
        ('surveys', '0006_heldanswers'),
    ]

    operations = [
        migrations.AddField(
            model_name='idempotencyrecord',
            name='survey',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='surveys.survey'),
        ),
        migrations.RunPython(survey_from_response, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='idempotencyrecord',
            name='response',
        ),
        migrations.AlterField(
            model_name='idempotencyrecord',
            name='survey',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='surveys.survey'),
        ),
    ]
