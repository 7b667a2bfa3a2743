from tripletex.sandbox.testing import tripletex_sandbox, tripletex_sandbox_server  # noqa: F401
