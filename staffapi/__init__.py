"""Staff tokens: the programme team and the jurors read through the API what
they read in the admin, with personal tokens that expire.

Wagtail 8 gives the token (``wagtail.models.APIToken``: named, stored hashed,
shown once, revocable) and its bearer authentication; this app adds the expiry,
a screen « Mes jetons d'API » for each member, the read routes under
``/api/v3/staff/`` (scoped by the admin's own rules) and the log of every read.

It sits above investigations (it reads forms, selection and investigations)
and beside exports.
"""
