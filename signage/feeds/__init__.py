"""Feeds: content fetched or pushed from other systems (news, meeting calendars, an
intranet's notices, CAP alerts), kept in the database and shown by feed slides."""
