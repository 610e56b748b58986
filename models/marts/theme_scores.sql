-- Theme shares as leaders, the scores API and releases see them: the study's suppression rules
-- (n < min_n, or relative SE > max_rse: withheld, with the reason; relative SE > unreliable_rse:
-- flagged), and the change from the previous wave (difference, SE, two-sided normal p-value:
-- the waves are independent samples), as index_scores does for the indices.
with

estimates as (
    select * from {{ ref('theme_estimates') }}
),

waves as (
    select wave_id, wave_order from {{ ref('seed_waves') }}
),

judged as (
    select
        e.*,
        w.wave_order,
        if(e.estimate_0_100 > 0, e.se_0_100 / e.estimate_0_100, null) as rse_all,
        -- the suppression rule: analysis/figureRules.ts
        withheld_reason(e.n, e.estimate_0_100, e.se_0_100, $min_n, $max_rse) as withheld_reason
    from estimates as e
    join waves as w using (wave_id)
),

with_previous as (
    select
        j.*,
        coalesce(pw.wave_id, '') as previous_wave_id,
        p.estimate_0_100 as previous_estimate,
        p.se_0_100 as previous_se,
        p.withheld_reason as previous_withheld_reason,
        p.wave_id is not null as previous_measured
    from judged as j
    left join waves as pw on pw.wave_order = j.wave_order - 1
    left join judged as p
        on p.wave_id = pw.wave_id
        and p.item = j.item
        and p.theme_id = j.theme_id
        and p.unit_level = j.unit_level
        and p.unit_code = j.unit_code
        and p.group_var = j.group_var
        and p.group_value = j.group_value
),

changes as (
    select
        *,
        withheld_reason = '' and previous_measured and previous_withheld_reason = '' as can_compare,
        -- a difference within 1e-9 is rounding: 0 (see index_scores)
        if(abs(estimate_0_100 - previous_estimate) <= 1e-9, 0, estimate_0_100 - previous_estimate) as change_raw,
        sqrt(se_0_100 * se_0_100 + previous_se * previous_se) as change_se_raw
    from with_previous
),

final as (
    select
        wave_id,
        item,
        organization_id,
        theme_id,
        unit_level,
        unit_code,
        group_var,
        group_value,
        if(withheld_reason = '', estimate_0_100, null) as estimate_0_100,
        if(withheld_reason = '', se_0_100, null) as se_0_100,
        if(withheld_reason = '', ci_low_0_100, null) as ci_low_0_100,
        if(withheld_reason = '', ci_high_0_100, null) as ci_high_0_100,
        if(withheld_reason = '', n, null) as n,
        if(withheld_reason = '', n_eff, null) as n_eff,
        withheld_reason <> '' as is_withheld,
        withheld_reason,
        withheld_reason = '' and rse_all > $unreliable_rse as is_unreliable,
        previous_wave_id,
        if(can_compare, change_raw, null) as change_0_100,
        if(can_compare, change_se_raw, null) as change_se_0_100,
        case
            when not can_compare then null
            -- two-sided normal p-value (analysis/figureRules.ts): 1 or 0 when both SEs are 0
            else p_two_sided(change_raw, change_se_raw)
        end as change_p_value,
        codebook_version
    from changes
)

select * from final
