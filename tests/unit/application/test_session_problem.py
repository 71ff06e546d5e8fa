"""The problem a sync or Test Connection shows when Salesforce refuses even
a freshly refreshed session."""

from __future__ import annotations

from application.errors import SessionExpired
from application.problems import problem_for


def test_a_session_rejected_after_a_refresh_says_try_again_before_reconnect() -> None:
    problem = problem_for(SessionExpired("401 after a refresh"))

    assert problem.code == "session_rejected"
    assert problem.hint is not None
    # Not always a dead grant: a session policy, or sessions ended by an
    # admin as fast as they are made, say the same.
    assert problem.hint.startswith("Try again in a moment.")
    assert "session policies" in problem.hint
    assert problem.hint.endswith(
        "disconnect Salesforce in Settings > CRM Integration and connect again."
    )
