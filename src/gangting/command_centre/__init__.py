"""The command centre (指挥中心): live events between the centre's processes and its screen,
the screen itself (/centre/), and remote assist (远程协助) with the booths' kiosks."""
