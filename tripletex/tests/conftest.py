from tripletex.sandbox.testing import (  # noqa: F401
    tripletex_sandbox,
    tripletex_sandbox_server,
    tripletex_sandbox_settings,
)
