"""Imports every module's ORM tables so `Base.metadata` knows the whole schema."""

import assets.adapters.orm  # noqa: F401
import devices.adapters.orm  # noqa: F401
import ingest.adapters.orm  # noqa: F401
import inspections.adapters.orm  # noqa: F401
import maintenance.adapters.orm  # noqa: F401
import notifications.adapters.orm  # noqa: F401
import occupants.adapters.orm  # noqa: F401
import web.adapters.orm  # noqa: F401
