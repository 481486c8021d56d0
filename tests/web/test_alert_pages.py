"""The alert list: acknowledge (facility managers), link to the work order, live fragment."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from maintenance.domain.transitions import SYSTEM
from tests.web.conftest import FixedClockContainer, Seed
from tests.web.test_api import EN_WARNING, ID_WARNING, open_coded_alert
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


def test_alert_texts_follow_the_page_language_and_name_the_room(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    alert_id = open_coded_alert(container)
    fm = as_user("fm")
    indonesian = fm.get("/alerts?lang=id").get_data(as_text=True)
    english = fm.get("/alerts?lang=en").get_data(as_text=True)
    message = f'data-message="{alert_id}">'
    assert message + ID_WARNING in indonesian and "rata-rata 8 jam menurut peraturan" in indonesian
    assert message + EN_WARNING in english and "the regulation&#39;s 8 h mean" in english
    # The limit too, in the page's words and numbers.
    assert "batas ≤ 1.000 ppm (rata-rata 8 jam)" in indonesian
    assert "limit ≤ 1,000 ppm (8 h mean)" in english
    # Rooms by name, codes beside them; alerts stored before codes keep their text.
    for html in (indonesian, english):
        assert ">Lobi</a>" in html and ">Ruang Rapat 201</a>" in html
        assert 'data-room="hq/lobby">hq · lobby</span>' in html
        assert f'data-message="{seeded.alert_id}">co2 short-window mean 1250 ppm<' in html
    fragment = fm.get("/alerts?show=open&page=0&partial=1").get_data(as_text=True)
    assert message + EN_WARNING in fragment  # the remembered language


def test_the_room_page_words_its_alerts_in_the_page_language(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    open_coded_alert(container)
    fm = as_user("fm")
    assert ID_WARNING in fm.get("/rooms/hq/lobby?lang=id").get_data(as_text=True)
    assert EN_WARNING in fm.get("/rooms/hq/lobby?lang=en").get_data(as_text=True)


def test_a_faulty_sensor_alert_names_the_sensor_and_its_metric_and_says_why(
    seeded: Seed, container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    from datetime import timedelta

    from ingest.domain.model import SensorRef
    from ingest.domain.quality import FaultKey, QualityChange
    from ingest.domain.quality_alerts import alert_change

    since = container.now - timedelta(hours=6)
    stuck = QualityChange(
        "open",
        FaultKey(SensorRef("hq", "lobby", "s7"), "co2"),
        "stuck",
        container.now,
        {"value": 1500.0, "since": since.isoformat(), "resolution": 1.0, "span_s": 21600},
    )
    [alert] = container.alert_service.apply([alert_change(stuck)])
    fm = as_user("fm")
    indonesian = fm.get("/alerts?lang=id").get_data(as_text=True)
    english = fm.get("/alerts?lang=en").get_data(as_text=True)
    assert "<td>Sensor rusak · CO₂ (s7)</td>" in indonesian
    assert "<td>Sensor faulty · CO₂ (s7)</td>" in english
    assert f'data-message="{alert.id}">sensor s7 di hq/lobby rusak: CO₂ macet di 1.500 ppm' in (
        indonesian
    )
    assert "(no change of 1 ppm in 6 h)" in english
    room = fm.get("/rooms/hq/lobby?lang=id").get_data(as_text=True)
    assert "<td>Sensor rusak · CO₂</td>" in room
