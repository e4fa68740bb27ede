"""Session tokens (risk/access/sessions.py): a sign-in that survives a reload, and dies with its right."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from risk.access.accounts import Accounts
from risk.access.privacy import Role
from risk.access.sessions import HANDOFF_SECONDS, SessionTokens, digest, well_formed
from tests.access.backends import raw_contents

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def accounts(accounts_location):
    acc = Accounts(accounts_location)
    acc.add("cmd", Role.COMMANDER, "commander-pass")
    acc.add("boss", Role.ADMIN, "admin-password")
    return acc


@pytest.fixture
def tokens(accounts):
    return SessionTokens(accounts, idle_minutes=30, max_hours=12)


def signed_in(accounts, tokens, name="cmd", password="commander-pass", now=T0):
    result = accounts.sign_in(name, password, now=now)
    assert result.ok
    grant = tokens.grant(result.user, now=now)
    token = tokens.redeem(grant.code, now=now + timedelta(seconds=1))
    assert token is not None
    return grant, token


def test_a_redeemed_code_gives_a_token_that_resumes_the_session(accounts, tokens):
    grant, token = signed_in(accounts, tokens)
    assert tokens.bound(grant.session_id)
    resumed = tokens.resume(token, now=T0 + timedelta(minutes=5))
    assert resumed is not None and resumed.session_id == grant.session_id
    assert resumed.user.username == "cmd" and resumed.user.role == Role.COMMANDER
    assert well_formed(token) and token != grant.code


def test_the_database_holds_hashes_only(accounts, tokens):
    grant, token = signed_in(accounts, tokens)
    raw = raw_contents(accounts)
    assert token.encode() not in raw and grant.code.encode() not in raw
    assert digest(token).encode() in raw


def test_a_code_is_spent_once_and_expires(accounts, tokens):
    user = accounts.sign_in("cmd", "commander-pass", now=T0).user
    grant = tokens.grant(user, now=T0)
    assert tokens.redeem(grant.code, now=T0) is not None
    assert tokens.redeem(grant.code, now=T0) is None  # spent
    late = tokens.grant(user, now=T0)
    assert tokens.redeem(late.code, now=T0 + timedelta(seconds=HANDOFF_SECONDS + 1)) is None
    assert not tokens.bound(late.session_id)


@pytest.mark.parametrize("forged", ["", "x", "a" * 43, "../../etc/passwd", None, 42, "<script>alert(1)</script>"])
def test_made_up_tokens_and_codes_resume_nothing(accounts, tokens, forged):
    signed_in(accounts, tokens)
    assert tokens.resume(forged, now=T0) is None
    assert tokens.redeem(forged, now=T0) is None


def test_a_tampered_token_resumes_nothing(accounts, tokens):
    _, token = signed_in(accounts, tokens)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert tokens.resume(flipped, now=T0) is None
    assert tokens.resume(token[:-1], now=T0) is None
    assert tokens.resume(token + "A", now=T0) is None
    assert tokens.resume(token, now=T0) is not None  # the real one still works


def test_a_code_is_not_a_token_and_a_token_is_not_a_code(accounts, tokens):
    grant, token = signed_in(accounts, tokens)
    assert tokens.resume(grant.code, now=T0) is None
    assert tokens.redeem(token, now=T0) is None


def test_idle_time_out_is_the_live_sessions_and_activity_keeps_it(accounts, tokens):
    grant, token = signed_in(accounts, tokens)
    tokens.touch(grant.session_id, now=T0 + timedelta(minutes=25))
    assert tokens.resume(token, now=T0 + timedelta(minutes=50)) is not None  # 25 idle minutes
    assert tokens.resume(token, now=T0 + timedelta(minutes=50, seconds=1) + timedelta(minutes=30)) is None
    assert tokens.count("cmd") == 0  # the dead row is gone


def test_a_token_ends_after_its_lifetime_however_active(accounts, tokens):
    grant, token = signed_in(accounts, tokens)
    now = T0
    while now < T0 + timedelta(hours=11, minutes=50):
        now += timedelta(minutes=20)
        tokens.touch(grant.session_id, now=now)
    assert tokens.resume(token, now=T0 + timedelta(hours=11, minutes=59)) is not None
    assert tokens.resume(token, now=T0 + timedelta(hours=12)) is None


@pytest.mark.parametrize("change", ["disable", "reset", "role", "delete", "change_password"])
def test_every_change_of_the_accounts_right_revokes_its_tokens(accounts, tokens, change):
    _, token = signed_in(accounts, tokens)
    {"disable": lambda: accounts.set_disabled("cmd"),
     "reset": lambda: accounts.reset("cmd"),
     "role": lambda: accounts.set_role("cmd", Role.PLANNER),
     "delete": lambda: accounts.delete("cmd"),
     "change_password": lambda: accounts.change_password("cmd", "commander-pass", "a-new-password",
                                                         now=T0)}[change]()
    assert tokens.resume(token, now=T0 + timedelta(minutes=1)) is None


def test_disable_then_enable_does_not_bring_old_tokens_back(accounts, tokens):
    _, token = signed_in(accounts, tokens)
    accounts.set_disabled("cmd")
    accounts.set_disabled("cmd", False)
    assert tokens.resume(token, now=T0) is None


def test_a_recreated_account_of_the_same_name_does_not_inherit_tokens(accounts, tokens):
    _, token = signed_in(accounts, tokens)
    accounts.delete("cmd")
    accounts.add("cmd", Role.ADMIN, "someone-else-pass")
    assert tokens.resume(token, now=T0) is None


def test_sign_out_ends_every_session_of_the_account_and_no_other(accounts, tokens):
    _, first = signed_in(accounts, tokens)
    _, second = signed_in(accounts, tokens)  # another browser
    _, admin = signed_in(accounts, tokens, "boss", "admin-password")
    live = accounts.get("cmd")
    assert tokens.end_all("cmd") == 2
    assert tokens.resume(first, now=T0) is None and tokens.resume(second, now=T0) is None
    assert not accounts.session_valid(live)  # the live Streamlit sessions end at their next rerun too
    assert tokens.resume(admin, now=T0) is not None


def test_a_code_granted_before_a_revocation_is_worthless(accounts, tokens):
    user = accounts.sign_in("cmd", "commander-pass", now=T0).user
    grant = tokens.grant(user, now=T0)
    accounts.set_disabled("cmd")
    assert tokens.redeem(grant.code, now=T0) is None


def test_purge_removes_only_dead_rows(accounts, tokens):
    _, token = signed_in(accounts, tokens)
    user = accounts.sign_in("boss", "admin-password", now=T0).user
    tokens.grant(user, now=T0)  # never redeemed
    assert tokens.count() == 2
    assert tokens.purge(now=T0 + timedelta(seconds=HANDOFF_SECONDS + 1)) == 1
    assert tokens.resume(token, now=T0 + timedelta(minutes=2)) is not None
    assert tokens.purge(now=T0 + timedelta(hours=13)) == 1
    assert tokens.count() == 0


def test_a_cookie_made_by_one_process_resumes_in_another(accounts, tokens):
    """Two app processes: each its own Accounts and SessionTokens objects on the same database.
    A code granted by one is redeemed by the other, and a sign-out in one ends it in both."""
    other = SessionTokens(Accounts(accounts.location), idle_minutes=30, max_hours=12)
    result = accounts.sign_in("cmd", "commander-pass", now=T0)
    grant = tokens.grant(result.user, now=T0)
    token = other.redeem(grant.code, now=T0 + timedelta(seconds=1))
    assert token is not None and tokens.bound(grant.session_id)
    assert tokens.resume(token, now=T0 + timedelta(minutes=1)).session_id == grant.session_id
    assert other.redeem(grant.code, now=T0 + timedelta(seconds=2)) is None  # spent, in every process
    assert other.end_all("cmd") == 1
    assert tokens.resume(token, now=T0 + timedelta(minutes=2)) is None
