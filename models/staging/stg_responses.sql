-- Responses of loaded uploads only: a replacing upload supersedes the one it replaces and
-- retracted uploads drop out. Personal data never reaches this layer.
with

raw_responses as (
    select * from {{ source('raw_responses') }}
),

loaded_uploads as (
    select upload_id
    from uploads
    where status = 'loaded'
),

final as (
    select
        r.* exclude (source_row),
        r.respondent_id || '@' || r.wave_id as response_id
    from raw_responses as r
    where r.upload_id in (select upload_id from loaded_uploads)
)

select * from final
