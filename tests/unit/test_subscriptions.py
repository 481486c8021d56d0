"""Which topics an ingest process subscribes to, alone, shared, or by building."""

from ingest.service import subscriptions


def test_alone_it_takes_every_building() -> None:
    assert subscriptions(None) == ("udara/+/+/+/telemetry", "udara/+/+/+/status")


def test_shared_it_subscribes_through_the_group() -> None:
    assert subscriptions("ingest") == (
        "$share/ingest/udara/+/+/+/telemetry",
        "$share/ingest/udara/+/+/+/status",
    )


def test_given_buildings_it_takes_only_theirs() -> None:
    assert subscriptions(None, "menara-a,gedung-c") == (
        "udara/menara-a/+/+/telemetry",
        "udara/menara-a/+/+/status",
        "udara/gedung-c/+/+/telemetry",
        "udara/gedung-c/+/+/status",
    )
    assert subscriptions("g", "menara-a")[0] == "$share/g/udara/menara-a/+/+/telemetry"
