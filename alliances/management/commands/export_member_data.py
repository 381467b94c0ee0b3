"""Print, as JSON, everything the platform holds about one member of an organization."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from alliances.models import Member
from alliances.personal_data import member_export


class Command(BaseCommand):
    help = (
        "Print as JSON everything held about a member: the roster row, the organization "
        "and the audit history of the row."
    )

    def add_arguments(self, parser):
        parser.add_argument("member_id", type=int, help="id of the member (roster row)")

    def handle(self, *args, member_id, **options):
        member = Member.objects.select_related("organization__region").filter(pk=member_id).first()
        if member is None:
            raise CommandError(f"No member with id {member_id}.")
        data = member_export(member)
        self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
