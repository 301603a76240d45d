"""instructions domain (指令): the command centre's orders to officers of a squadron or of
a booth, acknowledged (签收) and reported back (反馈) within deadlines, escalated when
missed, with the whole trail in the audit log."""
