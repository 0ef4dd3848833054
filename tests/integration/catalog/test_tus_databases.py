"""The raw tus tests again, on PostgreSQL as well (row locks, BigInteger offsets, JSON state)."""

from __future__ import annotations

from tests.unit.catalog import test_tus_uploads as raw

test_a_master_uploaded_in_pieces = raw.test_a_master_uploaded_in_pieces_is_stored_and_announced
test_a_bad_checksum_keeps_nothing = raw.test_a_bad_checksum_keeps_nothing_of_the_patch
test_deleting_a_video_drops_its_uploads = raw.test_deleting_a_video_drops_its_uploads_and_media
test_an_image_declaring_too_many_pixels = (
    raw.test_an_image_declaring_too_many_pixels_is_refused_and_the_slot_recovers
)
test_a_check_that_breaks_ends_the_upload = (
    raw.test_a_check_that_breaks_ends_the_upload_and_frees_the_slot
)
