"""The access log becomes append-only and hash-chained.

Existing events are numbered in the order they happened and chained; a door result that was
written onto an event moves to its own append-only row bound to the event. References to
kiosk, gate, person and rule keep the id they recorded when those rows are deleted (the id is
part of the hash).
"""

import django.db.models.deletion
from django.db import migrations, models

# The chain's format is a contract: the migration hashes with the same code the application
# verifies with.
from recognition.access_log.chain import (
    CHAINED_FIELDS,
    GENESIS_HASH,
    HEAD_ID,
    door_digest,
    event_hash,
)


def chain_existing_events(apps, schema_editor):
    AccessEvent = apps.get_model("recognition", "AccessEvent")
    DoorActuation = apps.get_model("recognition", "DoorActuation")
    AuditChainHead = apps.get_model("recognition", "AuditChainHead")
    previous, sequence = GENESIS_HASH, 0
    for event in AccessEvent.objects.order_by("occurred_at", "id").iterator(chunk_size=2000):
        sequence += 1
        event.sequence = sequence
        for name in ("distance", "margin", "liveness"):
            value = getattr(event, name)
            if value is not None:
                setattr(event, name, round(float(value), 6))
        event.entry_hash = event_hash(
            previous, {name: getattr(event, name) for name in CHAINED_FIELDS}
        )
        event.save(update_fields=["sequence", "entry_hash", "distance", "margin", "liveness"])
        previous = event.entry_hash
        if event.granted:
            detail = event.door_detail[:250]
            DoorActuation.objects.create(
                event_id=event.pk,
                opened=event.door_opened,
                detail=detail,
                recorded_at=event.occurred_at,
                digest=door_digest(
                    event_hash=event.entry_hash,
                    opened=event.door_opened,
                    detail=detail,
                    recorded_at=event.occurred_at,
                ),
            )
    AuditChainHead.objects.update_or_create(
        pk=HEAD_ID, defaults={"sequence": sequence, "entry_hash": previous}
    )


def kept_reference(to):
    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        null=True,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to=to,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("gates", "0005_gate_door_outputs"),
        ("people", "0001_initial"),
        ("recognition", "0005_kiosk_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("entry_hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="accessevent",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="entry_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accessevent",
            name="site_name",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="rule_name",
            field=models.CharField(blank=True, max_length=250),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="model_name",
            field=models.CharField(
                blank=True, help_text="The recognition model and distance metric.", max_length=80
            ),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="snapshot_sha256",
            field=models.CharField(
                blank=True,
                help_text="SHA-256 of the face snapshot, when one was kept.",
                max_length=64,
            ),
        ),
        migrations.AlterField(
            model_name="accessevent", name="kiosk", field=kept_reference("recognition.kiosk")
        ),
        migrations.AlterField(
            model_name="accessevent", name="gate", field=kept_reference("gates.gate")
        ),
        migrations.AlterField(
            model_name="accessevent", name="person", field=kept_reference("people.person")
        ),
        migrations.AlterField(
            model_name="accessevent", name="rule", field=kept_reference("gates.accessrule")
        ),
        migrations.CreateModel(
            name="DoorActuation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("opened", models.BooleanField()),
                ("detail", models.CharField(blank=True, max_length=250)),
                ("recorded_at", models.DateTimeField()),
                ("digest", models.CharField(editable=False, max_length=64)),
                (
                    "event",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="door",
                        to="recognition.accessevent",
                    ),
                ),
            ],
            options={"abstract": False},
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.RemoveField(model_name="accessevent", name="door_opened"),
        migrations.RemoveField(model_name="accessevent", name="door_detail"),
        migrations.AlterField(
            model_name="accessevent",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        migrations.AlterModelOptions(
            name="accessevent", options={"ordering": ["-occurred_at", "-sequence"]}
        ),
        migrations.AddIndex(
            model_name="accessevent",
            index=models.Index(
                fields=["person", "occurred_at"], name="recognition_person__556bb5_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="accessevent",
            index=models.Index(
                fields=["reason", "occurred_at"], name="recognition_reason_be91f9_idx"
            ),
        ),
    ]
