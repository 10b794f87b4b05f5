"""People of the programme, for tests."""

from django.contrib.auth.models import Group, User


def member_of(group_name, username, email=None):
    """A user in one of the groups the migrations create (« Jury », « Équipe programme »…)."""
    user = User.objects.create_user(
        username,
        email or f"{username}@equipe.example.org",
        "x",
        first_name=username.capitalize(),
    )
    user.groups.add(Group.objects.get(name=group_name))
    return user
