"""What the sandbox says, in Tripletex's words.

Texts marked OBS were seen in real Tripletex responses; texts marked INF are the sandbox's own
choice where no real response was recorded (tripletex/sandbox/README.md#choices).
Tests import these constants so that the code and the assertions share one spelling.
"""

from typing import Final

DOCS_LINK: Final = "https://tripletex.no/v2-docs/"  # OBS (2025-26)

# Internal error codes, from the code table in the official API documentation.
CODE_SERVER_ERROR: Final = 1000
CODE_AUTHENTICATION: Final = 3000
CODE_BAD_REQUEST: Final = 4000
CODE_NOT_FOUND: Final = 6000
CODE_REVISION: Final = 8000
CODE_SECURITY: Final = 9000
CODE_LOCKED: Final = 10000
CODE_ILLEGAL_FILTER: Final = 11000
CODE_DUPLICATE: Final = 14000
CODE_MAPPING: Final = 16000
CODE_SORTING: Final = 17000
CODE_VALIDATION: Final = 18000
CODE_PARAM: Final = 21000
CODE_INVALID_JSON: Final = 22000

MSG_VALIDATION_FAILED: Final = "Validering feilet."  # OBS
MSG_FIELD_REQUIRED: Final = "Feltet må fylles ut."  # OBS
MSG_NOT_NULL: Final = "Kan ikke være null."  # OBS
MSG_UNKNOWN_PROPERTY: Final = "Feltet eksisterer ikke i objektet."  # OBS
MSG_WRONG_TYPE: Final = "Verdien er ikke av korrekt type for dette feltet."  # OBS
MSG_ACTIVITY_NOT_USABLE: Final = "Aktiviteten kan ikke benyttes."  # OBS
MSG_PROJECT_CLOSED: Final = "Prosjektet er avsluttet og kan ikke benyttes."  # INF
MSG_DATE_OUTSIDE_PROJECT: Final = "Datoen er utenfor prosjektets varighet."  # INF
MSG_HOURS_OUT_OF_RANGE: Final = "Antall timer må være mellom 0 og 24."  # INF
MSG_TOO_LONG: Final = "Verdien er for lang. Maksimalt antall tegn er {max}."  # INF
MSG_SALARY_TYPE_NOT_IN_TIMESHEET: Final = "Lønnsarten kan ikke benyttes i timelisten."  # INF
MSG_EMPLOYEE_CANNOT_REGISTER: Final = "Den ansatte kan ikke registrere timer."  # INF
MSG_REFERENCE_NOT_FOUND: Final = "Objektet finnes ikke."  # INF
MSG_OBJECT_NOT_FOUND: Final = "Object not found"  # OBS
MSG_DUPLICATE: Final = "Duplicate entry"  # OBS
MSG_REVISION: Final = "Objektet har blitt endret av en annen bruker. Hent det på nytt og prøv igjen."  # INF
MSG_LOCKED: Final = "Timene er låst fordi perioden er godkjent, og kan ikke endres."  # INF
MSG_UNAUTHORIZED: Final = "Unauthorized"  # OBS
MSG_FORBIDDEN: Final = "You do not have permission to access this feature."  # OBS
MSG_ILLEGAL_FIELD: Final = (
    "Illegal field in fields filter: {field}. {field} does not match a field in the model: {model}"  # OBS
)
MSG_ILLEGAL_SORTING: Final = "Ugyldig sortering: {field}."  # INF
MSG_WRONG_NUMBER: Final = 'Wrong data format! Expected number. For input string: "{value}"'  # OBS
MSG_WRONG_DATE: Final = "Ugyldig dato: {value}."  # INF
MSG_INVALID_JSON: Final = "Ugyldig JSON i forespørselen."  # INF
MSG_CONSUMER_TOKEN_INVALID: Final = "The consumer token is invalid or does not exist."  # OBS
MSG_EMPLOYEE_TOKEN_INVALID: Final = "The employee token is invalid or does not exist."  # INF, shaped like OBS
MSG_EMPLOYEE_TOKEN_WRONG_APPLICATION: Final = "The employee token is not issued for this application."  # INF
MSG_RATE_LIMITED: Final = "For mange forespørsler. Prøv igjen senere."  # INF: real 429 body not recorded
MSG_SERVER_ERROR: Final = "En uventet feil oppstod."  # INF
MSG_METHOD_NOT_ALLOWED: Final = "Metoden er ikke tillatt for denne ressursen."  # INF
MSG_ENDPOINT_NOT_FOUND: Final = "Ressursen finnes ikke."  # INF

DEV_EXPIRED_SESSION: Final = "Could not log in"  # OBS: what an expired session answers
DEV_BAD_USERNAME: Final = (
    "Authorization header has invalid username. Should be a customer id or 0 for default. "
    "The expected format is base64encoded(<<companyId>>:<<sessionToken>>)"  # OBS
)

VERSION_DIGEST_NOT_REQUESTED: Final = "'If-None-Match' header not specified"  # OBS
VERSION_DIGEST_NOT_SUPPORTED: Final = "Checksum not yet supported for this endpoint"  # OBS (employee)
