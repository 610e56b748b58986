-- No foreign keys: DuckDB's COPY FROM DATABASE (backups) copies tables in name order; the code keeps these references.
-- Local users, API tokens, browser sessions and the audit log. Passwords are scrypt hashes;
-- tokens and session ids are stored only as sha256 digests.
create table users (
  user_name varchar primary key,
  role varchar not null check (role in ('admin', 'uploader', 'analyst', 'viewer', 'assessment')),
  password_hash varchar,
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  password_changed_at timestamptz
);

create table api_tokens (
  token_sha256 varchar primary key,
  token_prefix varchar not null,
  user_name varchar not null,
  label varchar not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

create table sessions (
  session_sha256 varchar primary key,
  user_name varchar not null,
  csrf_token varchar not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);

create table audit_log (
  logged_at timestamptz not null default now(),
  user_name varchar,
  action varchar not null,
  detail json
);
