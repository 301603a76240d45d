"""Booths over MQTT, the transport: broker connections, the centre's link (ingest +
command dispatch), the embedded broker and the Mosquitto files. What the messages mean
lives in the booths domain (topics, payloads, ingest router, commands)."""
