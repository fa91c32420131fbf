"""The triage pages: find one patient, record consent on the spot, read the summary.

search.py (find a patient, open an encounter, throttle), point_of_care.py (the
patient's answer), summary.py (the one gate before summary data leaves the
database), views.py and forms.py (thin).
"""
