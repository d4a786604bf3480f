"""Video files are served with HTTP ranges (browsers seek by range), or handed to the proxy."""

import pytest
from rest_framework.test import APIClient

from tests.support.factories import AdminFactory, VideoFactory

CONTENT = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def admin_client(media_root):
    (media_root / "proxies").mkdir()
    (media_root / "proxies" / "v.mp4").write_bytes(CONTENT)
    video = VideoFactory(proxy_file="proxies/v.mp4")
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client, f"/api/videos/{video.pk}/proxy/"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


RANGES = [
    ("bytes=0-99", 206, "bytes 0-99/10240", CONTENT[:100]),
    ("bytes=10000-", 206, "bytes 10000-10239/10240", CONTENT[10000:]),
    ("bytes=-40", 206, "bytes 10200-10239/10240", CONTENT[-40:]),
    ("bytes=10200-99999", 206, "bytes 10200-10239/10240", CONTENT[10200:]),
    ("bytes=20000-", 416, "bytes */10240", b""),
]


@pytest.mark.django_db
@pytest.mark.parametrize("header,status,content_range,body", RANGES, ids=[r[0] for r in RANGES])
def test_range_requests(admin_client, header, status, content_range, body):
    client, url = admin_client
    response = client.get(url, HTTP_RANGE=header)
    assert response.status_code == status
    assert response["Content-Range"] == content_range
    assert _body(response) == body


@pytest.mark.django_db
def test_whole_file_without_range(admin_client):
    client, url = admin_client
    response = client.get(url)
    assert response.status_code == 200 and response["Accept-Ranges"] == "bytes"
    assert _body(response) == CONTENT and response["Content-Type"] == "video/mp4"


@pytest.mark.django_db
def test_front_proxy_gets_the_file_after_authorisation(admin_client, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media"
    client, url = admin_client
    response = client.get(url, HTTP_RANGE="bytes=0-9")
    assert response["X-Accel-Redirect"] == "/protected-media/proxies/v.mp4"
    assert response.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "ingesting", "rejected", "no_media"])
@pytest.mark.parametrize("endpoint", ["source", "proxy"])
def test_only_probed_videos_are_served(media_root, status, endpoint):
    """A file is served only once ingest has probed it as a video, even to an admin."""
    (media_root / "sources").mkdir()
    (media_root / "sources" / "s.mp4").write_bytes(CONTENT)
    (media_root / "proxies").mkdir()
    (media_root / "proxies" / "p.mp4").write_bytes(CONTENT)
    files = {"source_file": "sources/s.mp4", "proxy_file": "proxies/p.mp4"}
    waiting = VideoFactory(status=status, num_frames=None, **files)
    ready = VideoFactory(**files)
    client = APIClient()
    client.force_authenticate(AdminFactory())
    assert client.get(f"/api/videos/{waiting.pk}/{endpoint}/").status_code == 404
    assert _body(client.get(f"/api/videos/{ready.pk}/{endpoint}/")) == CONTENT
