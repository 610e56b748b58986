-- Fingerprints of the keys a database was written with (never the keys): the HMAC key that
-- pseudonymises personal columns lives outside the database (db/secrets.ts), and a database
-- restored without it, or started with another one, would hash the same phone number
-- differently. The server and CLI refuse a key whose fingerprint differs (db/hmacKey.ts).
create table key_fingerprints (
  key_name varchar primary key,
  fingerprint varchar not null,
  recorded_at timestamptz not null default now()
);
