"""One router per kind of user: session (login, home), cell (secretaries), member,
supervisor, auditor."""
