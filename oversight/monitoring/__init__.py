"""Monitoring: a scan of the access ledger for signs of misuse, raising misuse alerts.

- `registry.py`: what a rule is (a function, the kind of alert it raises, the event types
  it reads and how far back, its plain explanation); the explanations of every kind.
- `window.py`: the events since the watermark (and the context the rules look back on), as
  a temporary table the rules query; what a rule's SQL returns, as findings.
- `rules/`: the rules, each one function of set-based SQL over that table (by topic).
- `scan.py`: `monitoring_scan`, the service the Celery task calls: lock the watermark, run
  the rules, raise the alerts (audit.alerts), advance the watermark, in one transaction.

docs/monitoring.md describes each rule and its settings.
"""
