# Day and month in compact places (the week grid's column headers): 11/24. Everything else is
# Django's own English.
MONTH_DAY_FORMAT = "m/d"
