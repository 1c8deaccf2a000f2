"""AX reference data (main accounts, financial dimension values) the designer suggests from and validates against.

AX 2012 ships no MainAccountService or DimensionValueService (Microsoft's list of standard document services), so
the data comes from a custom service the admin names on the AX connection, or from CSV files an accountant exports
from AX and uploads here. The last good data is kept with the date of its refresh.
"""
