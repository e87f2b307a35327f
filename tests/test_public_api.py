import deeppersona_agents


def test_all_is_sorted_and_importable():
    assert deeppersona_agents.__all__ == sorted(deeppersona_agents.__all__)
    for name in deeppersona_agents.__all__:
        assert getattr(deeppersona_agents, name) is not None
