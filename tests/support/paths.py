"""Where the tests find the repository and the team's shared reference data.

The iMiGUE label table, protocol and OpenPose skeletons live beside the checkout in
``../shared/reference/imigue`` and are never copied into the repository.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
IMIGUE_REFERENCE = REPO.parent / "shared" / "reference" / "imigue"
DOCS = REPO / "docs"
