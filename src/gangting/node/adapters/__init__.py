"""Hardware ports of the booth and their adapters: each port has a simulator (demo, tests)
and, where a real library exists, a documented real-device adapter.

| port | simulator | real adapter |
|---|---|---|
| id_reader | demo citizens' cards, chip photos from sim_faces | vendor SDK (see id_reader.py) |
| face_camera | sim_faces scenes: genuine, impostor, still, no_face | OpenCV VideoCapture |
| printer | PNG (Pillow) + text under var/receipts/ | ESC/POS through python-escpos |
| payment_terminal | ok / decline / timeout payer codes | scanner as keyboard wedge (see module) |
| help_button | pressed from /kiosk/api/sim/help-button | GPIO / HID key (see module) |
| sensors | set values | none bundled (see module) |
"""
