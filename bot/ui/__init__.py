"""The case handler's window (`utskick ui`): a local Flask app, served by waitress on 127.0.0.1, over the same
intake, ledger, runner, approval and report code the command line calls."""
