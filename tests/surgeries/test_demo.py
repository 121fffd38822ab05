from django.test import Client

from freeassoc.surgeries.demo import DEMO_TITLE, load_demo
from freeassoc.surgeries.models import Surgery, ThemeTally
from tests.auth import sign_in


def test_the_demo_loads_once_and_fills_the_grievances_page(client, org, organiser):
    surgery = load_demo(organisation=org)
    assert load_demo(organisation=org) == surgery
    assert surgery.title == DEMO_TITLE and surgery.is_synthetic and surgery.stage == "actions"
    assert surgery.problems.count() == 8 and surgery.actions.count() == 4
    assert ThemeTally.objects.filter(surgery__isnull=True, is_synthetic=True).count() > 500
    page = client.get("/surgeries/grievances/").text
    assert "Includes synthetic demo data" in page
    assert "fewer than 10" in page
    assert any(int(n) >= 10 for n in __import__("re").findall(r'<td class="num">(\d+)</td>', page))
    facilitator = Client()
    sign_in(facilitator, organiser)
    run = facilitator.get(f"/surgeries/{surgery.pk}/").text
    assert "Demonstration surgery" in run and "[Synthetic]" in run
    assert Surgery.objects.count() == 1
