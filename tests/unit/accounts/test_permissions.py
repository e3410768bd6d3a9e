"""The rules of "Who may do what": subtree writes, read up and down, role order."""

from __future__ import annotations

from signage.accounts.permissions import GrantSpec, LocationTree, Principal, Role

# 1 kommune → 2 kultur → 4 bibliotek ; 1 → 3 social → 5 plejehjem
TREE = LocationTree({1: None, 2: 1, 3: 1, 4: 2, 5: 3})


def principal(*grants: tuple[Role, int], scope: str | None = None) -> Principal:
    return Principal(
        user_id=9,
        label="x",
        grants=tuple(GrantSpec(r, loc) for r, loc in grants),
        tree=TREE,
        scope=scope,
    )


def test_a_grant_covers_its_location_and_everything_below() -> None:
    manager = principal((Role.FACILITY_MANAGER, 2))
    assert manager.writable(Role.FACILITY_MANAGER) == {2, 4}
    assert not manager.can_write(3, Role.FACILITY_MANAGER)
    assert not manager.can_write(1, Role.FACILITY_MANAGER)


def test_local_staff_read_central_content_above_them_but_not_sideways() -> None:
    editor = principal((Role.EDITOR, 4))
    assert editor.readable() == {4, 2, 1}
    assert not editor.can_read(5)


def test_a_higher_role_includes_the_lower_ones() -> None:
    communicator = principal((Role.COMMUNICATOR, 1))
    assert communicator.can_write(5, Role.EDITOR)
    assert communicator.can_write(5, Role.FACILITY_MANAGER)
    assert not communicator.can_write(5, Role.ADMIN)


def test_an_editor_may_not_act_as_facility_manager() -> None:
    editor = principal((Role.EDITOR, 4))
    assert editor.can_write(4, Role.EDITOR)
    assert not editor.can_write(4, Role.FACILITY_MANAGER)


def test_a_narrow_token_scope_carries_no_grants() -> None:
    token = principal((Role.ADMIN, 1), scope="cap:ingest")
    assert token.writable(Role.VIEWER) == set()
    assert token.has_scope("cap:ingest")
    assert not token.has_role(Role.VIEWER)


def test_whole_tree_reach_needs_a_grant_on_the_root() -> None:
    assert principal((Role.COMMUNICATOR, 1)).covers_whole_tree(Role.COMMUNICATOR)
    assert not principal((Role.COMMUNICATOR, 2), (Role.COMMUNICATOR, 3)).covers_whole_tree(
        Role.COMMUNICATOR
    )


def test_a_cycle_in_parent_links_does_not_hang_the_ancestor_walk() -> None:
    broken = LocationTree({1: 2, 2: 1})
    assert set(broken.ancestors(1)) <= {1, 2}
