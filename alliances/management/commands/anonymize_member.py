"""Anonymize a member who leaves: name and ID number removed, birth year coarsened."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.policy import ActionRefused
from alliances.models import Member
from alliances.personal_data import member_anonymize


class Command(BaseCommand):
    help = (
        "Anonymize a member: the name becomes 'Anonymized member <id>', the national ID "
        "number is removed, the birth year is coarsened (the youth count stays right), "
        "earlier audit entries lose the removed values, and an audit entry is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("member_id", type=int, help="id of the member (roster row)")
        parser.add_argument(
            "--by", metavar="USERNAME", help="the user on whose behalf this is done (audit)"
        )

    def handle(self, *args, member_id, by=None, **options):
        member = Member.objects.filter(pk=member_id).first()
        if member is None:
            raise CommandError(f"No member with id {member_id}.")
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"No user named {by}.")
        try:
            member = member_anonymize(member, by=actor)
        except ActionRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"Member {member.pk} is now “{member.name}”, born {member.birth_year}.")
