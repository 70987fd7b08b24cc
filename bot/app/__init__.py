"""The application layer: one module per use case (validate, run, approve, follow-up, report, settle, status,
doctor) that both interfaces call. The command line (`bot.commands`) and the window (`bot.ui`) only parse input
and render output; what a use case decides, writes (reports, ledger) and says (the JSON document, the alert) is
decided here, once.
"""
