-- The masked answers no theme of the codebook covers (not blank), for the analysts who grow the
-- codebook: the codebook page lists them, most frequent wording first.
with

coded as (
    select * from {{ ref('int_open_answers_coded') }}
),

answers as (
    select * from {{ ref('stg_open_answers') }}
),

final as (
    select
        c.wave_id,
        c.item,
        a.answer,
        count(*) as n_answers,
        max(c.codebook_version) as codebook_version
    from coded as c
    join answers as a using (wave_id, respondent_id, item)
    where c.is_uncoded
    group by all
)

select * from final
