"""The transfer of approved hours to Tripletex: an outbox of rows, one per Tripletex object, kept
equal to the approved hours (docs/transfer.md).

refs        RowRef: which kind, which row
kind        the interface of a remote kind; hours.py and salary_lines.py implement it
registry    the kinds, in locking order
blockers    why hours cannot be sent, refused at approval and warned in the grid
wanted      approval's side: set rows to the approved hours and mark them due
machine     claim and lease; record.py stores outcomes; outcomes.py maps failures
sync        making Tripletex equal to a claimed row (lists for new rows, one-row path else)
delivery    one round of a company's due rows
control     removal, resume after a new key, «Prøv igjen»
reopen      asking Tripletex before a reopen, re-checking inside it
statuses    each approved entry's transfer status
queries     what is due, for the sweep
notify      e-mails on failure
texts       every text shown or stored
Enqueueing lives in tripletex/dispatch.py.
"""
