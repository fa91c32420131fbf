"""The organisations' contact registrations, parsed at the edge (STYLE 6): a CSV file as a
HIS exports it (`csv_file`), or the API's JSON (`json_body`), in; typed contacts out, or
every error named by its row and column. Nothing here touches the database. The format:
docs/reconciliation.md.

Both ways in check each contact alike (`values`): the BSN (9 digits, the 11-test), the time
of contact (readable, not in the future, not more than RECONCILIATION_MAX_AGE_DAYS in the
past), the location (1 to 100 characters). Rows are numbered as the user sees them: in a
file as the spreadsheet shows it (the header is row 1), in a call by their index in
`contacts` (from 0).
"""

from oversight.reconciliation.parsing.csv_file import COLUMNS, contacts_from_csv
from oversight.reconciliation.parsing.json_body import FIELDS, contacts_from_json
from oversight.reconciliation.parsing.values import (
    LOCATION_MAX_LENGTH,
    LOCATION_PATTERN,
    Contact,
    ContactError,
    InvalidContacts,
)

__all__ = [
    "COLUMNS",
    "FIELDS",
    "LOCATION_MAX_LENGTH",
    "LOCATION_PATTERN",
    "Contact",
    "ContactError",
    "InvalidContacts",
    "contacts_from_csv",
    "contacts_from_json",
]
