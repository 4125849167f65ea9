"""PostgreSQL from the harness is a real server: SQL round trip through psycopg 3."""

import psycopg


def test_sql_round_trip(postgres):
    with psycopg.connect(postgres.admin_dsn) as conn:
        conn.execute("CREATE TABLE smoke_tasks (id bigserial PRIMARY KEY, name text NOT NULL, data jsonb)")
        conn.execute("INSERT INTO smoke_tasks (name, data) VALUES (%s, %s)", ("焊缝-001", '{"w": 640}'))
        row = conn.execute("SELECT name, data->>'w', version() FROM smoke_tasks").fetchone()
        conn.execute("DROP TABLE smoke_tasks")
    assert row[0] == "焊缝-001"
    assert row[1] == "640"
    assert row[2].startswith("PostgreSQL")
