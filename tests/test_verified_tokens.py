"""The memory of verified tokens: bounded, keyed by a hash, forgotten at expiry or when its data changes."""

from __future__ import annotations

from auth.verified import Entry, VerifiedTokens, key_of
from hub.principal import Principal
from hub.vocabulary import Role

CAMDEN = Principal("org-1", "E09000007", Role.LA, ("la",), client_id="cspr_x")


def test_a_token_is_remembered_by_its_hash_never_by_itself() -> None:
    token = "header.claims.signature"
    assert key_of(token) != token.encode() and len(key_of(token)) == 32
    memory = VerifiedTokens()
    memory.put(key_of(token), Entry(CAMDEN, expires=100.0, stamp=(True, 0)))
    assert memory.get(key_of(token), now=50.0, stamp=(True, 0)) == CAMDEN
    assert memory.get(key_of("another.token.entirely"), now=50.0, stamp=(True, 0)) is None


def test_a_token_is_forgotten_when_it_expires() -> None:
    memory = VerifiedTokens()
    memory.put(b"k", Entry(CAMDEN, expires=100.0, stamp=(True, 0)))
    assert memory.get(b"k", now=100.0, stamp=(True, 0)) is None
    assert len(memory) == 0


def test_a_token_is_verified_again_once_clients_or_organisations_change() -> None:
    memory = VerifiedTokens()
    memory.put(b"k", Entry(CAMDEN, expires=100.0, stamp=(True, 0, 0)))
    assert memory.get(b"k", now=1.0, stamp=(True, 1, 0)) is None


def test_the_memory_is_bounded_and_forgets_the_least_recently_used_first() -> None:
    memory = VerifiedTokens(max_entries=2)
    for key in (b"a", b"b"):
        memory.put(key, Entry(CAMDEN, expires=100.0, stamp=()))
    assert memory.get(b"a", now=1.0, stamp=()) == CAMDEN  # a used last, so b goes first
    memory.put(b"c", Entry(CAMDEN, expires=100.0, stamp=()))
    assert len(memory) == 2
    assert memory.get(b"b", now=1.0, stamp=()) is None
    assert memory.get(b"a", now=1.0, stamp=()) == CAMDEN
