"""Node settings (prefix GANGTING_, like the centre's): which booth, its secret, the centre."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gangting.node.cameras.spec import CameraSpec


class NodeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GANGTING_", extra="ignore", populate_by_name=True)

    booth_code: str = "BT-KDL-001"
    booth_name: str = ""
    # Demo booths' secrets are demo-<code> (var/demo-credentials.txt); production sets it.
    booth_secret: str = ""
    centre_url: str = "http://127.0.0.1:8600"
    centre_timeout_s: float = 5.0
    node_host: str = "127.0.0.1"
    node_port: int = 8700
    var_dir: Path = Path("var")
    idle_timeout_s: float = Field(
        default=120.0,
        gt=0,
        validation_alias=AliasChoices(
            "idle_timeout_s", "GANGTING_NODE_IDLE_TIMEOUT_S", "GANGTING_IDLE_TIMEOUT_S"
        ),
    )
    simulators: bool = Field(
        default=True,
        validation_alias=AliasChoices(
            "simulators", "GANGTING_NODE_SIMULATORS", "GANGTING_SIMULATORS"
        ),
    )
    # Where the simulated ID reader finds the demo citizens.
    demo_credentials: Path = Path("var/demo-credentials.txt")
    # Real adapters (simulators off): camera device index or file, printer connection.
    camera_source: str = "0"
    printer_url: str = ""  # usb://04b8:0202 | tcp://10.0.0.5:9100 | file:///dev/usb/lp0
    # Plate cameras (GANGTING_CAMERAS, JSON): [{"id": "lane-1", "source": "rtsp://…", "fps": 5}]
    # with source sim | rtsp://… | device index | video file | image folder (node/cameras).
    cameras: list[CameraSpec] = Field(default_factory=list)
    # Live-face check of the identify step (gangting.node.face_check). The distance
    # threshold defaults to identification.faces.DEFAULT_THRESHOLD (strict 0.5; dlib's own
    # same-person bound is 0.6); the centre refuses a booth threshold above its maximum.
    face_distance_threshold: float = Field(default=0.5, gt=0, lt=1)
    face_turn_deg: float = Field(default=25.0, gt=0, lt=60)  # how far the head must turn
    face_frontal_deg: float = Field(default=10.0, gt=0, lt=25)  # "facing the camera"
    face_min_turn_frames: int = Field(default=2, ge=1)
    face_look_frames: int = Field(default=3, ge=1, le=30)
    face_turn_frames: int = Field(default=8, ge=3, le=60)
    face_look_s: float = Field(default=1.0, gt=0)  # real camera: seconds per phase
    face_turn_s: float = Field(default=3.0, gt=0)
    # Failed attempts per ID card before the kiosk sends the citizen to a staffed window.
    face_max_attempts: int = Field(default=3, ge=1, le=10)
    face_attempts_window_s: float = Field(default=1800.0, gt=0)
    telemetry_interval_s: float = 60.0
    outbox_max_backoff_s: float = 60.0
    # How often the background loop looks at the outbox, the idle timer and the sensors.
    outbox_interval_s: float = Field(
        default=1.0,
        gt=0,
        validation_alias=AliasChoices(
            "outbox_interval_s", "GANGTING_NODE_OUTBOX_INTERVAL_S", "GANGTING_OUTBOX_INTERVAL_S"
        ),
    )

    # Delivered outbox rows are kept this long after delivery (to look at what the booth
    # sent), then deleted by the background loop; rows not delivered are never deleted.
    outbox_keep_delivered_h: float = Field(
        default=24.0,
        gt=0,
        validation_alias=AliasChoices(
            "outbox_keep_delivered_h", "GANGTING_NODE_OUTBOX_KEEP_DELIVERED_H"
        ),
    )

    # MQTT link to the centre (docs/decisions/0003): empty = none, everything goes over HTTP
    # as before. The broker account is the booth's own (username = booth code, password
    # issued by the centre; the demo's embedded broker without a password file takes any).
    # Named node_* so that the centre's own GANGTING_MQTT_* never configure a node.
    node_mqtt_url: str = ""  # GANGTING_NODE_MQTT_URL, e.g. mqtt://127.0.0.1:1884
    node_mqtt_password: str = ""  # GANGTING_NODE_MQTT_PASSWORD
    node_mqtt_keepalive_s: int = Field(default=30, ge=5, le=600)
    # Over TLS (mqtts://, the broker's TLS listener, docs/decisions/0016): the CA that issued
    # the broker's certificate (empty: the system's trust store) and this booth's own
    # certificate (common name = booth code) and key, which never leaves the booth.
    node_mqtt_ca_file: str = ""  # GANGTING_NODE_MQTT_CA_FILE
    node_mqtt_cert_file: str = ""  # GANGTING_NODE_MQTT_CERT_FILE
    node_mqtt_key_file: str = ""  # GANGTING_NODE_MQTT_KEY_FILE
    # Heartbeat and status telemetry (queue, card reader, cameras) over MQTT.
    heartbeat_interval_s: float = Field(default=60.0, gt=0)
    # The offline watch-list copy: a delta from the centre this often (and on command).
    watch_list_refresh_s: float = Field(default=300.0, gt=0)
    # How long a remote announcement stays on the kiosk's banner.
    announcement_display_s: float = Field(default=120.0, gt=0)

    def secret(self) -> str:
        return self.booth_secret or f"demo-{self.booth_code}"

    def store_path(self) -> Path:
        return self.var_dir / f"booth-{self.booth_code}.db"
