-- Answers in long form, one row per respondent per index item, with "don't know" and
-- refusals as explicit flags (codes from the index definitions in study.yaml).
with

responses as (
    select * from {{ ref('stg_responses') }}
),

items as (
    select distinct wave_id, item, item_key, dont_know_codes, refused_codes
    from {{ ref('seed_index_items') }}
),

answers as (
    unpivot (
        select wave_id, respondent_id, columns(* exclude (wave_id, respondent_id, upload_id, response_id))::varchar
        from responses
    )
    on columns(* exclude (wave_id, respondent_id))
    into name item value answer
),

final as (
    select
        a.wave_id,
        a.respondent_id,
        i.item_key,
        a.item,
        a.answer,
        list_contains(i.dont_know_codes, a.answer) as is_dont_know,
        list_contains(i.refused_codes, a.answer) as is_refused
    from answers as a
    join items as i on i.wave_id = a.wave_id and i.item = a.item
)

select * from final
