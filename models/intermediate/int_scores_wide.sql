-- One row per response with its design, its base weight and one column per score
-- (score_key), the shape the statistics engine estimates from in one pass.
with

weighted as (
    select * from {{ ref('int_responses_base_weighted') }}
),

scores as (
    select wave_id, respondent_id, score_key, score_0_100
    from {{ ref('int_index_scores') }}
),

wide as (
    pivot scores
    on score_key
    using first(score_0_100)
    group by wave_id, respondent_id
),

final as (
    select
        w.*,
        s.* exclude (wave_id, respondent_id)
    from weighted as w
    left join wide as s on s.wave_id = w.wave_id and s.respondent_id = w.respondent_id
)

select * from final
