"""Loaded with `-p tests.support.isolation` (see pyproject.toml) before Django reads its settings.

Each test run gets its own data folder — SQLite test database, filesystem broker queues — so
runs never share state, even two at once on one machine.
"""

import os
import tempfile

if "MGSTUDIO_DATA_DIR" not in os.environ:
    os.environ["MGSTUDIO_DATA_DIR"] = tempfile.mkdtemp(prefix="mgstudio-test-")
