async def test_create_and_read_category(catalog):
    created = await catalog.create("categories", {"name": "Drama"})
    got = await catalog.client.get(
        f"/api/v1/admin/categories/{created['id']}", headers=catalog.admin
    )
    assert got.status_code == 200, got.text
    assert got.json()["name"] == "Drama"
    event = await catalog.wait_for_event(lambda e: e.type == "category.created")
    assert event.data["name"] == "Drama"
