"""Hardware ports of the booth and their adapters: each port has a simulator (demo, tests)
and, where a real library exists, a documented real-device adapter.

| port | simulator | real adapter |
|---|---|---|
| id_reader | cards from the demo citizens | vendor SDK (none bundled; see id_reader.py) |
| face_camera | a set score | OpenCV VideoCapture (device or file) + a matcher |
| printer | PNG (Pillow) + text under var/receipts/ | ESC/POS through python-escpos |
| payment_terminal | ok / decline / timeout payer codes | scanner as keyboard wedge (see module) |
| help_button | pressed from /kiosk/api/sim/help-button | GPIO / HID key (see module) |
| sensors | set values | none bundled (see module) |
"""
