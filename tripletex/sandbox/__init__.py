"""An offline Tripletex for GrønnJobb: the subset of API v2 the product touches, served by Werkzeug.

See README.md beside this file for what it does, where it had to choose, and its /_sandbox API.
"""

from tripletex.sandbox.app import SandboxApp
from tripletex.sandbox.demo import (
    APPLICATION_NAME,
    DEMO_CONSUMER_TOKEN,
    DEMO_EMPLOYEE_TOKEN,
    DEMO_READ_ONLY_EMPLOYEE_TOKEN,
    DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN,
    SeedOptions,
)
from tripletex.sandbox.server import SandboxServer

__all__ = [
    "APPLICATION_NAME",
    "DEMO_CONSUMER_TOKEN",
    "DEMO_EMPLOYEE_TOKEN",
    "DEMO_READ_ONLY_EMPLOYEE_TOKEN",
    "DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN",
    "SandboxApp",
    "SandboxServer",
    "SeedOptions",
]
