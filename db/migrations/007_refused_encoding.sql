-- A refused upload's rejected rows go back in the file's own encoding (GB18030 for a GBK
-- export), so the team fixes them in Excel and sends them again: the encoding is kept with it.
alter table refused_uploads add column encoding varchar;
