"""Presence telemetry from each venue's audio-video system: the venue's device token, its
workstations' heartbeats and its AV events (face absent, extra face, voice, seat left), posted
into the live evaluation session of the member seated at that workstation (DOMAIN.md §5,
``presence.lost``)."""
