"""Federation: every author is an ActivityPub actor (issue 18).

documents.py builds the JSON-LD, signatures.py signs and verifies HTTP requests,
keys.py keeps each actor's key pair, inbox.py and delivery.py receive and send
activities, rules.py changes the rows, pages.py holds every route.
"""
