"""Accounts: people, their roles, e-mail confirmation, password reset, GDPR export and deletion."""
