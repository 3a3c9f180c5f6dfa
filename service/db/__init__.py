"""The service's database: feedback, the query log, pinned answers, build history and the document
registry, through one data layer (SQLAlchemy Core, ``schema.py``; Alembic migrations, ``migrations/``).

SQLite files are the embedded default (``YOUJU_FEEDBACK_DB``, ``YOUJU_STATE_DB``); with
``YOUJU_DATABASE_URL`` every store uses that one database instead (PostgreSQL), shared by any number of
replicas. ``engine.Database`` opens either and migrates it to the latest revision; ``store.Store`` is what
each store builds on (``service/feedback.py``, ``querylog.py``, ``pins.py``, ``registry.py``).
"""
