"""Text: Chinese amounts, rates and counts in a question or clause, and repairing PDF-extracted text."""
