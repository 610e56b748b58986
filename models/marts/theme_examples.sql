-- Masked example answers for each theme, as the theme pages show them: up to five per wave,
-- question and theme, in an order fixed by a hash of the respondent (not the first ones in the
-- file). Quotes from small cells are suppressed: a theme raised by fewer than min_n respondents
-- in the wave shows none, and no quote says which township it came from.
with

coded as (
    select * from {{ ref('int_open_answers_coded') }}
),

answers as (
    select * from {{ ref('stg_open_answers') }}
),

raised as (
    select c.wave_id, c.item, c.organization_id, unnest(c.theme_ids) as theme_id, c.respondent_id, a.answer
    from coded as c
    join answers as a using (wave_id, respondent_id, item)
),

counted as (
    select
        *,
        count(*) over (partition by wave_id, item, theme_id) as n_raised,
        row_number() over (partition by wave_id, item, theme_id order by hash(respondent_id), respondent_id) as example_rank
    from raised
),

final as (
    select wave_id, item, organization_id, theme_id, example_rank, answer
    from counted
    where n_raised >= $min_n and example_rank <= 5
)

select * from final
