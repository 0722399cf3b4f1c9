"""Adding a policy (add-policy): read a PDF/Word/text file, propose its metadata, write it, rebuild the index."""
