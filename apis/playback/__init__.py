"""Playback: signed HLS grants for viewers and the media edge that honours them."""
