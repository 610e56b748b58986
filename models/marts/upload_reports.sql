-- Upload history and rejects for the server's upload page: the server reads this mart,
-- never the raw upload tables.
with

uploads as (
    select * from main.uploads where study_id = $study_id
),

rejects as (
    select
        upload_id,
        list({'reason_code': reason_code, 'column_name': column_name, 'reason_zh': reason_zh, 'reason_en': reason_en, 'n_rows': n_rows} order by n_rows desc) as rejects_by_reason
    from (
        select upload_id, reason_code, column_name, reason_zh, reason_en, count(distinct source_row) as n_rows
        from main.quarantine
        where upload_id in (select upload_id from uploads)
        group by all
    )
    group by all
),

final as (
    select
        u.upload_id,
        u.wave_id,
        u.file_name,
        u.format,
        u.encoding,
        u.status,
        u.n_rows_read,
        u.n_accepted,
        u.n_rejected,
        u.replaces_upload_id,
        u.uploaded_by,
        u.uploaded_at,
        u.retracted_at,
        coalesce(r.rejects_by_reason, []) as rejects_by_reason
    from uploads as u
    left join rejects as r using (upload_id)
)

select * from final
