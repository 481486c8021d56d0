"""The alert list: acknowledge (facility managers), link to the work order, live fragment."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from maintenance.domain.transitions import SYSTEM
from tests.web.conftest import FixedClockContainer, Seed
from udara.scope import EVERYTHING


def test_open_alerts_are_listed_with_a_link_to_their_work_order(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    html = as_user("fm").get("/alerts").get_data(as_text=True)
    assert f'data-alert="{seeded.alert_id}"' in html
    assert f'data-alert="{seeded.resolved_alert_id}"' not in html  # resolved: not "open"
    order = next(
        wo for wo in container.work_order_service.list(limit=50, viewer=SYSTEM).items
        if seeded.alert_id in wo.alert_ids
    )  # fmt: skip
    assert f'href="/work-orders/{order.id}"' in html


def test_resolved_and_all_views(seeded: Seed, as_user: Callable[[str], FlaskClient]) -> None:
    fm = as_user("fm")
    resolved = fm.get("/alerts?show=resolved").get_data(as_text=True)
    assert f'data-alert="{seeded.resolved_alert_id}"' in resolved
    assert f'data-alert="{seeded.alert_id}"' not in resolved
    everything = fm.get("/alerts?show=all").get_data(as_text=True)
    assert f'data-alert="{seeded.alert_id}"' in everything
    assert fm.get("/alerts?show=bogus").status_code == 400
    assert fm.get("/alerts?page=x").status_code == 400


def test_facility_manager_acknowledges_an_alert(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    fm = as_user("fm")
    assert f'data-ack="{seeded.alert_id}"' in fm.get("/alerts").get_data(as_text=True)
    response = fm.post(f"/alerts/{seeded.alert_id}/acknowledge", follow_redirects=True)
    assert response.status_code == 200
    assert "sudah diketahui" in response.get_data(as_text=True)
    alert = container.alert_service.get(seeded.alert_id, scope=EVERYTHING)
    assert alert is not None and alert.state == "acknowledged" and alert.acknowledged_by == "fm"
    assert f'data-ack="{seeded.alert_id}"' not in fm.get("/alerts").get_data(as_text=True)


def test_acknowledging_a_resolved_or_missing_alert(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    fm = as_user("fm")
    response = fm.post(f"/alerts/{seeded.resolved_alert_id}/acknowledge", follow_redirects=True)
    assert "sudah teratasi" in response.get_data(as_text=True)
    assert fm.post("/alerts/99999/acknowledge").status_code == 404


def test_other_roles_see_no_acknowledge_button(
    seeded: Seed, as_user: Callable[[str], FlaskClient]
) -> None:
    for username in ("sup", "viewer"):
        html = as_user(username).get("/alerts").get_data(as_text=True)
        assert f'data-alert="{seeded.alert_id}"' in html
        assert "data-ack=" not in html


def test_the_list_refreshes_itself_from_a_fragment(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    from ingest.domain.alerts import AlertChange, AlertKey

    fm = as_user("fm")
    page = fm.get("/alerts").get_data(as_text=True)
    assert 'data-live="/alerts?show=open&amp;page=0&amp;partial=1"' in page
    new = container.alert_service.apply(
        [AlertChange("open", AlertKey("hq", "lobby", "hcho", "warning"), container.now, 0.2)]
    )[0]
    fragment = fm.get("/alerts?show=open&page=0&partial=1").get_data(as_text=True)
    assert "<html" not in fragment and f'data-alert="{new.id}"' in fragment
