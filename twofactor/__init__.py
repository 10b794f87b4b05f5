"""A second factor (TOTP, with recovery codes) for the accounts that read personal data.

django-otp keeps the devices (``otp_totp`` for the authenticator app,
``otp_static`` for the recovery codes); this app decides who needs one
(``policy``), enrols and verifies (``views``), and holds every admin URL of a
session not yet verified (``middleware``). Docs: docs/second-factor.md.
"""
