"""Turn the assistant's replies, clauses and calculations into what the web app (ui.py) shows.

Pure formatting: no gradio, no policy logic, no arithmetic on amounts.  Every figure shown comes
from the assistant's own text or worksheet, copied verbatim; every piece of user or policy text is
escaped before it reaches markdown or HTML (markup.py), so a question containing `<script>` or a
markdown link renders as the characters typed.  chat.py: replies and worksheets; form.py: the
calculator tab; checkup.py and report.py: the 政策体检 tab and its PDF report;
browse.py: the clause, search and about tabs.  ui.py reads them all as `show.…`.
"""

from assistant.presenting.browse import (
    CLAUSE_HEADERS,
    SEARCH_HEADERS,
    about_markdown,
    about_rows,
    clause_copy_text,
    clause_heading,
    clause_rows,
    document_status,
    parse_clause_number,
    search_rows,
    snippet,
)
from assistant.presenting.chat import (
    Message,
    answer_text,
    calculation_headline,
    citation_card,
    failure_message,
    intro_markdown,
    reply_messages,
    short_reference,
    user_message,
    validity_note,
    worksheet_markdown,
    worksheet_rows,
)
from assistant.presenting.checkup import (
    BENEFIT_HEADERS,
    INDUSTRIES,
    LISTING_STAGES,
    SCALES,
    benefit_rows,
    checkup_summary,
    describe_company,
    last_match,
    project_choices,
    write_report,
)
from assistant.presenting.form import (
    FormField,
    form_fields,
    form_inputs,
    form_unit,
    rule_label,
    rule_markdown,
    rules_by_document,
)
from assistant.presenting.markup import code_block, escape_markdown, highlight

__all__ = [
    "BENEFIT_HEADERS",
    "CLAUSE_HEADERS",
    "INDUSTRIES",
    "LISTING_STAGES",
    "SCALES",
    "SEARCH_HEADERS",
    "FormField",
    "Message",
    "about_markdown",
    "about_rows",
    "answer_text",
    "benefit_rows",
    "calculation_headline",
    "checkup_summary",
    "citation_card",
    "clause_copy_text",
    "clause_heading",
    "clause_rows",
    "code_block",
    "describe_company",
    "document_status",
    "escape_markdown",
    "failure_message",
    "form_fields",
    "form_inputs",
    "form_unit",
    "highlight",
    "intro_markdown",
    "last_match",
    "parse_clause_number",
    "project_choices",
    "reply_messages",
    "rule_label",
    "rule_markdown",
    "rules_by_document",
    "search_rows",
    "short_reference",
    "snippet",
    "user_message",
    "validity_note",
    "worksheet_markdown",
    "worksheet_rows",
    "write_report",
]
