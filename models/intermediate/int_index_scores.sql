-- Each respondent's score on every index, 0-100, under the rules of study.yaml:
--   awareness, participation: 100 for "yes", 0 otherwise ("don't know" counts as "no"
--     unless the index says "excluded"); refusals leave the base;
--   approval: the mean of the aspects answered, (x - min) / (max - min) * 100, "don't know"
--     left out; no aspect answered leaves the base; each aspect is also scored on its own;
--   satisfaction: the answer rescaled the same way, and satisfaction_pct 100 when satisfied.
with

answers as (
    select * from {{ ref('stg_answers') }}
),

items as (
    select * from {{ ref('seed_index_items') }}
),

item_scores as (
    select
        a.wave_id,
        a.respondent_id,
        i.index_id,
        i.organization_id,
        i.level,
        i.item_key,
        case
            when a.is_refused then null
            when i.index_id in ('awareness', 'participation') then
                case
                    when list_contains(i.yes_codes, a.answer) then 100.0
                    when a.is_dont_know and i.dont_know_as = 'excluded' then null
                    else 0.0
                end
            when a.is_dont_know then null
            else (try_cast(a.answer as double) - i.scale_min) / (i.scale_max - i.scale_min) * 100
        end as score_0_100,
        case
            when i.index_id = 'satisfaction' and not a.is_dont_know and not a.is_refused then
                case when list_contains(i.satisfied_codes, try_cast(a.answer as double)) then 100.0 else 0.0 end
        end as satisfied_0_100
    from answers as a
    join items as i on i.wave_id = a.wave_id and i.item = a.item
),

indices as (
    select
        wave_id,
        respondent_id,
        index_id,
        organization_id,
        level,
        '' as aspect,
        avg(score_0_100) as score_0_100
    from item_scores
    group by all
),

aspects as (
    select
        wave_id,
        respondent_id,
        'approval_aspect' as index_id,
        organization_id,
        level,
        item_key as aspect,
        score_0_100
    from item_scores
    where index_id = 'approval'
),

satisfied as (
    select
        wave_id,
        respondent_id,
        'satisfaction_pct' as index_id,
        organization_id,
        level,
        '' as aspect,
        avg(satisfied_0_100) as score_0_100
    from item_scores
    where index_id = 'satisfaction'
    group by all
),

final as (
    select
        *,
        index_id || '__' || organization_id || '__' || level || if(aspect = '', '', '__' || aspect) as score_key
    from (
        select * from indices
        union all by name
        select * from aspects
        union all by name
        select * from satisfied
    )
    where score_0_100 is not null
)

select * from final
