"""Bank matching rules an accountant keeps: which counter-account a KashFlow bank line is posted against."""
