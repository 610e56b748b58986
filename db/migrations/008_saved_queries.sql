-- The SQL console's saved queries, each its user's own (no foreign key: see 004_auth.sql).
-- A name is unique per user: saving under the same name again replaces the text.
create table saved_queries (
  user_name varchar not null,
  name varchar not null,
  sql varchar not null,
  saved_at timestamptz not null default now(),
  primary key (user_name, name)
);
