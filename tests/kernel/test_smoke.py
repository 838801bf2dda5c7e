def test_home_page_lists_a_published_tender(client, make_tender):
    tender = make_tender("published")
    response = client.get("/")
    assert response.status_code == 200
    assert tender.title in response.get_data(as_text=True)
