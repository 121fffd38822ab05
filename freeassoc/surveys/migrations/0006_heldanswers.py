import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0005_drafts_belong_to_the_survey'),
    ]

    operations = [
        migrations.CreateModel(
            name='HeldAnswers',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('collector_kind', models.CharField(blank=True, choices=[('open', 'Open link'), ('invite', 'Invitations')], max_length=10)),
                ('instrument_version', models.PositiveIntegerField()),
                ('answers', models.JSONField()),
                ('survey', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='held_answers', to='surveys.survey')),
            ],
            options={
                'verbose_name_plural': 'held answers',
            },
        ),
    ]
