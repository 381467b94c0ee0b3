"""The caller's notifications in the API (issue 19): list (all or unread), mark one read,
mark all read, through `accounts.notifications`, as the notifications page does. Nobody
reads or marks another user's notification."""

import pytest

from accounts.models import Notification
from accounts.notifications import alliance_path
from plans import services
from plans.models import PlanStatus

from .support import error

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def notices(user, plan, count):
    return [
        Notification.objects.create(recipient=user, alliance=plan.alliance, message=f"Notice {i}")
        for i in range(count)
    ]


def unread(user) -> list[str]:
    return sorted(
        Notification.objects.filter(recipient=user, read_at__isnull=True).values_list(
            "message", flat=True
        )
    )


def test_the_list_is_the_callers_own_newest_first(api, world):
    plan = world.build(PlanStatus.DRAFT)
    first, second = notices(world.producer, plan, 2)
    notices(world.producer_b, plan, 1)

    body = api(world.producer).get(URL).json()

    assert body["count"] == 2
    assert body["results"] == [
        {
            "id": second.pk,
            "text": "Notice 1",
            "alliance": plan.alliance_id,
            "alliance_code": plan.alliance.code,
            "link": f"http://testserver{alliance_path(plan.alliance)}",
            "created_at": body["results"][0]["created_at"],
            "read": False,
            "read_at": None,
        },
        body["results"][1] | {"id": first.pk, "text": "Notice 0"},
    ]
    assert api(world.outsider).get(URL).json()["count"] == 0
    assert api().get(URL).status_code == 401


def test_a_steps_notice_is_worded_in_the_language_of_the_request(api, world):
    plan = world.build(PlanStatus.SUBMITTED)
    services.plan_start_screening(plan=plan, by=world.officer)
    notice = Notification.objects.get(recipient=world.producer)
    expected = notice.text  # worded when read (`accounts.notifications.step_notice`)
    client = api(world.producer)
    english = client.get(f"{URL}{notice.pk}/").json()["text"]
    french = client.get(f"{URL}{notice.pk}/", HTTP_ACCEPT_LANGUAGE="fr").json()["text"]
    assert english == expected
    assert english.startswith(f"{plan.alliance.code}: ") and "(Submitted → " in english
    assert french.startswith(plan.alliance.code) and "(Soumis → " in french


def test_mark_one_read_then_filter_unread(api, world):
    plan = world.build(PlanStatus.DRAFT)
    first, second, third = notices(world.producer, plan, 3)
    client = api(world.producer)

    response = client.post(f"{URL}{second.pk}/read/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["read"]) == (second.pk, True)
    assert unread(world.producer) == ["Notice 0", "Notice 2"]
    assert [n["id"] for n in client.get(f"{URL}?unread=true").json()["results"]] == [
        third.pk,
        first.pk,
    ]
    assert [n["id"] for n in client.get(f"{URL}?unread=false").json()["results"]] == [second.pk]
    # Marking it again changes nothing, not even its time.
    read_at = response.json()["read_at"]
    again = client.post(f"{URL}{second.pk}/read/")
    assert (again.status_code, again.json()["read_at"]) == (200, read_at)


def test_mark_all_read_marks_only_the_callers(api, world):
    plan = world.build(PlanStatus.DRAFT)
    notices(world.producer, plan, 3)
    notices(world.producer_b, plan, 2)
    client = api(world.producer)
    client.post(f"{URL}{Notification.objects.filter(recipient=world.producer).first().pk}/read/")

    response = client.post(f"{URL}read-all/")

    assert (response.status_code, response.json()) == (200, {"marked": 2})
    assert unread(world.producer) == []
    assert unread(world.producer_b) == ["Notice 0", "Notice 1"]
    assert client.post(f"{URL}read-all/").json() == {"marked": 0}


@pytest.mark.parametrize("who", ["producer_b", "officer", "outsider"])
def test_another_users_notification_is_a_404(api, world, who):
    plan = world.build(PlanStatus.DRAFT)
    [notice] = notices(world.producer, plan, 1)
    client = api(getattr(world, who))
    for response in (client.get(f"{URL}{notice.pk}/"), client.post(f"{URL}{notice.pk}/read/")):
        assert response.status_code == 404
        assert error(response)["detail"] == "No such notification."
    assert unread(world.producer) == ["Notice 0"]
    assert client.post(f"{URL}x/read/").status_code == 404
