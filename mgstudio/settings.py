"""MG Studio settings: everything comes from the environment (docs/design.md §2).

With nothing set, the app runs on one machine: SQLite, a filesystem Celery broker that needs no
server, and one local worker. At scale, set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Everything the app writes lives under one data folder by default, so a fresh clone runs as-is.
DATA_DIR = Path(os.environ.get("MGSTUDIO_DATA_DIR", BASE_DIR / "var")).resolve()
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media")).resolve()
MEDIA_URL = "/media/"

DEBUG = env_bool("DJANGO_DEBUG", False)
# --- The secret key (docs/security.md) ---------------------------------------------------------
# The published development key signs sessions of the embedded default (tests, manage.py, the
# development server). It is never accepted with MGSTUDIO_ALLOW_DEV_SECRET=0 or as a configured
# DJANGO_SECRET_KEY, and mgstudio/wsgi.py refuses to serve with it through a real WSGI server;
# scripts/demo.sh generates a key of its own once and keeps it in its data folder.
DEV_SECRET_KEY = "mgstudio-dev-only-not-secret"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if SECRET_KEY == DEV_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is the published development key")
if not SECRET_KEY:
    if not (DEBUG or env_bool("MGSTUDIO_ALLOW_DEV_SECRET", True)):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set")
    SECRET_KEY = DEV_SECRET_KEY
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

# --- HTTPS in production (docs/security.md) --------------------------------------------------
# On by default for a deployment (DEBUG off and a key of its own): redirect to HTTPS, HSTS,
# cookies sent over HTTPS only. The embedded default on the development key (tests, manage.py)
# and the demo on plain HTTP (MGSTUDIO_HTTPS=0 in scripts/demo.sh) go without. Behind the nginx
# front of docker-compose.yml, which terminates TLS or forwards the scheme it was reached by,
# MGSTUDIO_TRUST_X_FORWARDED_PROTO=1 lets Django see that a request came over HTTPS.
HTTPS_ONLY = env_bool("MGSTUDIO_HTTPS", not DEBUG and SECRET_KEY != DEV_SECRET_KEY)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = int(os.environ.get("MGSTUDIO_HSTS_SECONDS", 31536000 if HTTPS_ONLY else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("MGSTUDIO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("MGSTUDIO_HSTS_PRELOAD", False)
if env_bool("MGSTUDIO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Asking browsers to preload HSTS is hard to undo, so it is the operator's choice, not a warning.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# The OpenAPI schema and its Swagger page (/api/schema/, /api/docs/): for development and the
# demo; a deployment does not publish its API's map unless asked to.
API_DOCS = env_bool("MGSTUDIO_API_DOCS", DEBUG or SECRET_KEY == DEV_SECRET_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "django_filters",
    "drf_spectacular",
    "annotator",
    "jobs",
    "api",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in into a 429 (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mgstudio.urls"
WSGI_APPLICATION = "mgstudio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_sqlite_path = DATA_DIR / "mgstudio.sqlite3"
# Under a production server, reusing connections saves a PostgreSQL connect per request (about a
# third of a segment save's database time, bench/save_segments.py); 0 (the default) closes them.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{_sqlite_path}"),
        conn_max_age=int(os.environ.get("MGSTUDIO_DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web server and worker share one SQLite file: wait for locks instead of failing, and give
    # the test database a real file so a worker process started by the tests can open it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("MGSTUDIO_TEST_SQLITE", str(DATA_DIR / "test-mgstudio.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# --- Authentication (docs/security.md) ---------------------------------------------------------
# django-axes counts failed sign-ins per username and client address, on /login/ and
# /api/auth/token/ alike (both call authenticate() with the request), and refuses that pair for
# a cool-off once the limit is reached, even with the right password. The second backend is
# Django's, also refusing a labeler whose Labeler row is deactivated: a session or token of a
# deactivated account stops working on its next request.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "api.authentication.ActiveAccountBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("MGSTUDIO_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("MGSTUDIO_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "api.authentication.lockout_response"
# Every password set through MG Studio (labelers via the API and create_labelers, admins via
# createsuperuser) passes Django's validators: length, not common, not all digits, not the
# username.
_validators = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _validators + "UserAttributeSimilarityValidator"},
    {"NAME": _validators + "MinimumLengthValidator"},
    {"NAME": _validators + "CommonPasswordValidator"},
    {"NAME": _validators + "NumericPasswordValidator"},
]
# API tokens (POST /api/auth/token/) expire this long after they were issued (0: never); a
# password change or a deactivation deletes the user's token at once (api/authentication.py).
TOKEN_TTL_HOURS = float(os.environ.get("MGSTUDIO_TOKEN_TTL_HOURS", 168))
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static")).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploads arrive in chunks (see api/uploads.py); each request holds at most one chunk.
UPLOAD_CHUNK_BYTES = int(os.environ.get("MGSTUDIO_UPLOAD_CHUNK_BYTES", 8 << 20))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_CHUNK_BYTES + (1 << 20)
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_CHUNK_BYTES + (1 << 20)
# An upload with no chunk for this long is abandoned: its partial file is removed.
UPLOAD_STALE_AFTER_SECONDS = float(os.environ.get("MGSTUDIO_UPLOAD_STALE_AFTER_SECONDS", 86400))
# --- Files and ingest limits (docs/security.md) ------------------------------------------------
# Folders an admin may bulk-import from through the API, separated by ":". Never the whole
# filesystem: unset, it is one dedicated folder under the data folder (the entry points make it).
IMPORT_ROOTS = [p for p in os.environ.get("MGSTUDIO_IMPORT_ROOTS", "").split(os.pathsep) if p] or [
    str(DATA_DIR / "import")
]
# An upload declaring more bytes than this is refused when it is created.
MAX_UPLOAD_BYTES = int(os.environ.get("MGSTUDIO_MAX_UPLOAD_BYTES", 20 << 30))
# Sources with larger frames (either orientation; browsers decode H.264 up to 4096x2304) or a
# longer duration are refused at probe, before anything decodes them.
MAX_VIDEO_SIZE = tuple(
    int(side) for side in os.environ.get("MGSTUDIO_MAX_VIDEO_SIZE", "4096x2304").lower().split("x")
)
MAX_VIDEO_SECONDS = float(os.environ.get("MGSTUDIO_MAX_VIDEO_SECONDS", 4 * 3600))

# Behind the front proxy (docker-compose), Django authorises a media request and hands the
# bytes to nginx with X-Accel-Redirect; without it Django serves ranges itself.
MEDIA_ACCEL_REDIRECT_PREFIX = os.environ.get("MEDIA_ACCEL_REDIRECT_PREFIX", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "api.authentication.LabelerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageSizePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Domain refusals → 400/404/409 with {detail, code} (docs/design.md §14).
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MG Studio API",
    "DESCRIPTION": "Micro-gesture annotation, agreement, processing and release.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a `status`; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "VideoStatusEnum": "annotator.models.Video.Status",
        "ClipStatusEnum": "annotator.models.Clip.Status",
        "JobStateEnum": "jobs.models.Job.State",
        "AssignmentStateEnum": "annotator.models.Assignment.State",
        "TrainingRoundStateEnum": "annotator.models.TrainingRound.State",
    },
}

# --- Celery -----------------------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
# Job rows are the record of every task's outcome (jobs.models.Job): no result backend.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "media"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "reap-lost-jobs": {"task": "jobs.reap_lost_jobs", "schedule": 30.0},
    "purge-stale-uploads": {"task": "annotator.purge_stale_uploads", "schedule": 3600.0},
}

# A running job writes a heartbeat this often; one silent for JOB_STALE_AFTER is presumed lost.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("MGSTUDIO_JOB_HEARTBEAT_SECONDS", 5))
JOB_STALE_AFTER_SECONDS = float(os.environ.get("MGSTUDIO_JOB_STALE_AFTER_SECONDS", 60))
JOB_MAX_ATTEMPTS = int(os.environ.get("MGSTUDIO_JOB_MAX_ATTEMPTS", 3))
JOB_RETRY_BACKOFF_SECONDS = float(os.environ.get("MGSTUDIO_JOB_RETRY_BACKOFF_SECONDS", 2))

# Privacy pipeline (docs/design.md §8): the blurring detector and an independent verifier.
# Defaults: the measured choice in docs/benchmarks.md "Small faces" (pipeline.face_config).
FACE_BLUR_DETECTOR = os.environ.get("FACE_BLUR_DETECTOR", "centerface")
FACE_BLUR_THRESHOLD = float(os.environ.get("FACE_BLUR_THRESHOLD", 0.2))
FACE_BLUR_LOW_THRESHOLD = float(os.environ.get("FACE_BLUR_LOW_THRESHOLD", 0.1))
FACE_BLUR_LONG_EDGE = int(os.environ.get("FACE_BLUR_LONG_EDGE", 1280))
FACE_BLUR_TILES = int(os.environ.get("FACE_BLUR_TILES", 1))
FACE_BLUR_MAX_UPSCALE = float(os.environ.get("FACE_BLUR_MAX_UPSCALE", 1))
FACE_DETECT_EVERY = int(os.environ.get("FACE_DETECT_EVERY", 2))
FACE_KEY_FRAMES_AT_CUTS = env_bool("FACE_KEY_FRAMES_AT_CUTS", True)
# A second blur pass (input enlarged this much, this threshold) when the verifier finds a face.
FACE_BLUR_RETRY_UPSCALE = float(os.environ.get("FACE_BLUR_RETRY_UPSCALE", 2))
FACE_BLUR_RETRY_THRESHOLD = float(os.environ.get("FACE_BLUR_RETRY_THRESHOLD", 0.05))
# OpenCV's small-face cascade in union with CenterFace: neighbours a box needs (0: off).
FACE_BLUR_HAAR = int(os.environ.get("FACE_BLUR_HAAR", 0))
FACE_BLUR_RETRY_HAAR = int(os.environ.get("FACE_BLUR_RETRY_HAAR", 3))
FACE_VERIFY_DETECTOR = os.environ.get("FACE_VERIFY_DETECTOR", "mtcnn")
# Empty: the verifier's own default (MTCNN 0.7 face probability; Haar 3 neighbours).
FACE_VERIFY_THRESHOLD = (
    float(os.environ["FACE_VERIFY_THRESHOLD"])
    if os.environ.get("FACE_VERIFY_THRESHOLD")
    else {"haar": 3.0}.get(FACE_VERIFY_DETECTOR, 0.7)
)
FACE_VERIFY_MIN_FACE = int(os.environ.get("FACE_VERIFY_MIN_FACE", 20))
FACE_VERIFY_SCAN_FACE = int(os.environ.get("FACE_VERIFY_SCAN_FACE", FACE_VERIFY_MIN_FACE))
# Poses (docs/design.md §9): the backend, "mediapipe" (models in its wheel, CPU, the default) or
# "openpifpaf" (GPU workers: a local checkpoint, nothing is downloaded, batch size, resize).
POSE_BACKEND = os.environ.get("POSE_BACKEND", "mediapipe").strip().lower()
# A processing request first builds the backend once, refusing to start if it cannot load; a
# web process without the ML stack (requirements-web.txt) sets this to 0.
POSE_PREFLIGHT = os.environ.get("POSE_PREFLIGHT", "1") != "0"
POSE_CHECKPOINT = os.environ.get("POSE_CHECKPOINT", "")
POSE_BATCH_SIZE = int(os.environ.get("POSE_BATCH_SIZE", 8))
POSE_LONG_EDGE = int(os.environ.get("POSE_LONG_EDGE", 641))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MGSTUDIO_LOG_LEVEL", "INFO")},
}
