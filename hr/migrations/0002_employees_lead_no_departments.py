"""An «Ansatt» leads no department: drop manager memberships the old role change left behind.

Before this, changing a manager's role to «Ansatt» kept them on the departments' manager lists, so
they could still approve. The role is what administrators set and see, so it wins.
"""

from django.db import migrations


def drop_memberships_of_employees(apps, schema_editor):
    Department = apps.get_model("hr", "Department")
    Department.managers.through.objects.filter(employee__role="employee").delete()


class Migration(migrations.Migration):
    dependencies = [("hr", "0001_initial")]

    operations = [migrations.RunPython(drop_memberships_of_employees, migrations.RunPython.noop)]
