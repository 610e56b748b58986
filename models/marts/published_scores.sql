-- Every published figure of every unit, and which one is primary: the one leaders, ranks,
-- tiers, releases and the scores API read by default. study.yaml
-- `small_area.unit_levels.<level>` says which figures a unit level publishes (direct, model or
-- both) and which is primary; sae_estimates applies it (`is_primary`). A model-based figure
-- (fay_herriot or synthetic) comes from sae_estimates, withheld by its relative RMSE
-- (`max_rrmse`, decided there); a direct figure is index_scores' own, with its suppression and
-- change. Only the totals of an index (no aspect, no demographic group) have model-based
-- figures; aspects and groups stay direct and primary.
-- A direct figure is published beside a model-based primary one only where the unit level
-- publishes both. A withheld direct primary figure stays withheld: the model-based figure does
-- not stand in for it, so one ranking never mixes methods (a study that wants model-based
-- figures ranked says `primary: model`).
-- Tiers of townships per wave, organization, index [aspect] and organization level, over the
-- primary figures: sorted by estimate, a township joins the current tier while its CI overlaps
-- the CI of the tier's first township, otherwise it starts the next tier (one pass per ranking,
-- not a recursive query: DuckDB re-evaluates the figures at each step of a recursion).
with

scores as (
    select * from {{ ref('index_scores') }}
),

sae as (
    select * from {{ ref('sae_estimates') }}
),

waves as (
    select wave_id, wave_order from {{ ref('seed_waves') }}
),

-- per unit with small-area figures: is its primary figure model-based, does it publish a direct one
sae_units as (
    select
        wave_id,
        organization_id,
        index_id,
        org_level,
        unit_level,
        unit_code,
        bool_or(is_primary and method <> 'direct') as is_model_primary,
        bool_or(method = 'direct') as publishes_direct
    from sae
    group by all
),

direct as (
    select
        s.*,
        'direct' as method,
        not coalesce(s.aspect = '' and s.group_var = '' and u.is_model_primary, false) as is_primary,
        '' as parent_code,
        cast(null as double) as rrmse,
        coalesce(u.publishes_direct, false) as publishes_direct
    from scores as s
    left join sae_units as u
        on u.wave_id = s.wave_id
        and u.organization_id = s.organization_id
        and u.index_id = s.index_id
        and u.org_level = s.org_level
        and u.unit_level = s.unit_level
        and u.unit_code = s.unit_code
),

modelled as (
    select
        m.wave_id,
        m.organization_id,
        m.index_id,
        '' as aspect,
        m.org_level,
        m.unit_level,
        m.unit_code,
        '' as group_var,
        '' as group_value,
        if(m.is_withheld, null, m.estimate_0_100) as estimate_0_100,
        if(m.is_withheld, null, m.rmse_0_100) as se_0_100,
        if(m.is_withheld, null, m.ci_low_0_100) as ci_low_0_100,
        if(m.is_withheld, null, m.ci_high_0_100) as ci_high_0_100,
        cast(null as double) as df,
        cast(null as double) as deff,
        if(m.is_withheld, null, m.n) as n,
        if(m.is_withheld, null, m.n_eff) as n_eff,
        cast(null as double) as rse,
        m.is_withheld,
        m.withheld_reason,
        false as is_unreliable,
        coalesce(pw.wave_id, '') as previous_wave_id,
        cast(null as double) as change_0_100,
        cast(null as double) as change_se_0_100,
        cast(null as double) as change_ci_low_0_100,
        cast(null as double) as change_ci_high_0_100,
        cast(null as double) as change_p_value,
        'model_based' as change_note,
        cast(null as boolean) as is_change_significant,
        m.method,
        m.is_primary,
        m.parent_code,
        if(m.is_withheld, null, m.rrmse) as rrmse
    from sae as m
    join waves as w using (wave_id)
    left join waves as pw on pw.wave_order = w.wave_order - 1
    where m.method <> 'direct'
),

published as materialized (
    select * exclude (publishes_direct) from direct
    where is_primary or publishes_direct
    union all by name
    select * from modelled
),

ranked as materialized (
    select
        *,
        row_number() over (
            partition by wave_id, organization_id, index_id, aspect, org_level
            order by estimate_0_100 desc, unit_code
        ) as position
    from published
    where is_primary and unit_level = 'township' and group_var = '' and not is_withheld
),

-- per ranking, its townships in rank order; one pass over them (list_reduce) carries the tier
-- and the CI low of its first township, and lists each township's tier
rankings as (
    select
        wave_id,
        organization_id,
        index_id,
        aspect,
        org_level,
        list(
            struct_pack(
                unit_code,
                low := coalesce(ci_low_0_100, estimate_0_100)::double,
                high := coalesce(ci_high_0_100, estimate_0_100)::double
            )
            order by position
        ) as units
    from ranked
    group by all
),

tiers as (
    select
        wave_id,
        organization_id,
        index_id,
        aspect,
        org_level,
        unnest(units).unit_code as unit_code,
        unnest(
            list_reduce(
                units,
                (acc, u) -> if(
                    u.high >= acc.head_low,
                    struct_pack(tier := acc.tier, head_low := acc.head_low, tiers := list_append(acc.tiers, acc.tier)),
                    struct_pack(tier := acc.tier + 1, head_low := u.low, tiers := list_append(acc.tiers, acc.tier + 1))
                ),
                struct_pack(tier := 0::integer, head_low := 'infinity'::double, tiers := []::integer[])
            ).tiers
        ) as tier
    from rankings
),

-- a township's tier goes to its primary figure without a group (the key of tiers holds no
-- method or group: joined on the unit, kept where the figure is the ranked one)
final as (
    select
        p.*,
        if(p.is_primary and p.unit_level = 'township' and p.group_var = '', t.tier, null) as tier
    from published as p
    left join tiers as t
        on t.wave_id = p.wave_id
        and t.organization_id = p.organization_id
        and t.index_id = p.index_id
        and t.aspect = p.aspect
        and t.org_level = p.org_level
        and t.unit_code = p.unit_code
)

select * from final
