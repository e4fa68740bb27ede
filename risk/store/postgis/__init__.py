"""The store on PostgreSQL/PostGIS, chosen by a connection URL (RISK_STORE=postgresql://...).

Same public interface as the GeoPackage store (risk/store/versions.py, both built on
risk/store/shared.py), for several app processes and users on one database: imports and
activation are single transactions serialised by advisory locks, the schema is versioned
(risk/store/postgis/migrations.py) and the audit log keeps the same hash chain
(risk/store/audit_chain.py), append-only by triggers. Modules: connection (URLs, connections,
locks), migrations, audit, versions (PostgisStore).
"""
from risk.store.postgis.versions import PostgisStore

__all__ = ["PostgisStore"]
