"""Email newsletters: readers without an account subscribe to an author or to the whole
site (double opt-in), and each newly published article is mailed to them once, together
with the members who follow its author and want email (one list, one unsubscribe)."""
