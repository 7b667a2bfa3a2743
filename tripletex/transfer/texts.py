"""Every text the transfer shows or stores, in one place: the refusals at approval, the states a
row is left in, and the e-mails. Rows store the Norwegian text; pages show it in their language
(message_shown)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tripletex import shown

# Each refusal names the fix that works: «Oppdater Tripletex» links what exists in Tripletex with the
# same number (lønnsarter also by name); what does not exist there must be made there first.
BLOCK_EMPLOYEE = _(
    "%(name)s er ikke koblet til en ansatt i Tripletex. En administrator kan koble den ansatte i steget "
    "«Ansatte» under «Oppdater Tripletex». Finnes ikke den ansatte i Tripletex med samme ansattnummer og "
    "en e-postadresse, må det legges inn i Tripletex først."
)
BLOCK_PROJECT = _(
    "Prosjektet «%(project)s» er ikke koblet til Tripletex. En administrator kan koble det i steget "
    "«Prosjekter» under «Oppdater Tripletex». Finnes ikke prosjektet i Tripletex med samme "
    "prosjektnummer, må det opprettes i Tripletex først."
)
BLOCK_WAGE_TYPE = _(
    "Lønnsarten «%(wage_type)s» er ikke koblet til Tripletex. En administrator kan koble den i steget "
    "«Lønnsarter» under «Oppdater Tripletex» til lønnsarten i Tripletex med samme nummer eller navn; den "
    "må vises i timelisten i Tripletex. Ellers kan timene føres på «Ordinær tid»."
)
BLOCK_PROJECT_CLOSED = _(
    "Prosjektet «%(project)s» er avsluttet, så timene kan ikke sendes til Tripletex. Før timene på et "
    "åpent prosjekt, eller la en administrator åpne prosjektet i Tripletex og hente endringen med "
    "«Oppdater Tripletex»."
)
BLOCK_NOT_PARTICIPANT = _(
    "%(name)s er ikke deltaker i prosjektet «%(project)s» i Tripletex, og bare deltakerne kan føre timer "
    "der. En administrator kan legge den ansatte til som deltaker i prosjektet i Tripletex og deretter "
    "hente endringen med «Oppdater Tripletex»."
)
STATUS_BEFORE_SEND_FROM = _(
    "Ikke sendt: timer datert før %(date)s sendes ikke til Tripletex (valgt ved «Koble til Tripletex»)."
)
STATUS_REMOVED = _("Ikke sendt – integrasjonen ble fjernet")
STATUS_APPROVED_WHILE_REMOVED = _("Ikke sendt – godkjent mens integrasjonen var fjernet")
STATUS_CONFLICT = _(
    "Tripletex har allerede timer på denne ansatte, datoen, prosjektet og aktiviteten som ikke kom fra "
    "GrønnJobb. Ingenting er overskrevet: rett opp i Tripletex, og velg «Prøv igjen»."
)
STATUS_LOCKED = _(
    "Perioden er låst i Tripletex (godkjent måned eller uke, fakturert eller utbetalt). Åpne perioden i "
    "Tripletex, og velg «Prøv igjen»."
)
STATUS_REFUSED = _("Tripletex avviste timene: %(message)s")
STATUS_UNCLEAR = _("Uklart svar fra Tripletex; vi sjekker før vi prøver igjen.")
STATUS_UNREACHABLE = _("Får ikke kontakt med Tripletex; vi prøver igjen.")
STATUS_THROTTLED = _("Tripletex ba oss vente; vi sender når Tripletex er klar.")
STATUS_KEY_INVALID = _(
    "API-brukernøkkelen virker ikke lenger. En administrator må lage en ny og lime den inn med "
    "«Oppdater Tripletex»."
)
STATUS_GAVE_UP = _("Tripletex svarte ikke etter %(attempts)s forsøk. Velg «Prøv igjen».")
HINT_REFUSED = _("Sjekk at den ansatte og prosjektet kan føre timer på denne aktiviteten i Tripletex.")
# Pages show a refusal in their own language beside Tripletex's own words (Norwegian, as Tripletex
# answered them), which the templates mark with their language.
STATUS_REFUSED_SHOWN = _(
    "Tripletex avviste timene. Sjekk at den ansatte og prosjektet kan føre timer på denne aktiviteten i "
    "Tripletex. Svaret fra Tripletex:"
)
REOPEN_LOCKED = _(
    "Timene er låst i Tripletex (%(date)s) og kan ikke åpnes igjen her. Åpne perioden i Tripletex først."
)
REOPEN_CHANGED = _("Timene ble oppdatert i Tripletex mens de ble åpnet igjen. Prøv igjen.")

STATUS_NOT_LINKED = _(
    "Ikke sendt: den ansatte eller prosjektet er ikke lenger koblet til Tripletex. Koble dem med "
    "«Oppdater Tripletex», og velg «Prøv igjen»."
)
ADMIN_FAILURE_SUBJECT = _("Timer når ikke fram til Tripletex")
ADMIN_FAILURE_BODY = _(
    "Overføringen av godkjente timer til Tripletex feiler: %(message)s\n\n"
    "Se Selskapsinnstillinger → Generelt → Tripletex for alle som ikke er sendt: %(link)s"
)
APPROVER_FAILURE_SUBJECT = _("Timer du godkjente, når ikke fram til Tripletex")
APPROVER_FAILURE_BODY = _(
    "Timene til %(name)s %(date)s på %(what)s, som du godkjente, har ikke kommet fram til Tripletex: "
    "%(message)s\n\n"
    "Administratorene er varslet og kan rette det og sende timene på nytt. Du får ikke flere slike "
    "e-poster før overføringen virker igjen; «Nylig godkjent» under «Godkjenning» viser hvor timene er: "
    "%(link)s"
)


# Every message a transfer row stores; rows keep the text, pages show it in their language.
STORED_MESSAGES = (
    STATUS_REMOVED,
    STATUS_APPROVED_WHILE_REMOVED,
    STATUS_CONFLICT,
    STATUS_LOCKED,
    STATUS_REFUSED,
    STATUS_UNCLEAR,
    STATUS_UNREACHABLE,
    STATUS_THROTTLED,
    STATUS_KEY_INVALID,
    STATUS_GAVE_UP,
    STATUS_NOT_LINKED,
)


def message_shown(message: str) -> tuple[str, str]:
    """A row's stored message in the page's language, and Tripletex's own words when Tripletex
    refused (shown beside it as they are: its words are data, not ours to translate)."""
    found = shown.text_match(message, STORED_MESSAGES)
    if found is not None and found[0] is STATUS_REFUSED:
        return str(STATUS_REFUSED_SHOWN), found[1]["message"]
    return shown.text_shown(message, STORED_MESSAGES), ""
