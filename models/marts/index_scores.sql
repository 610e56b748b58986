-- The direct figures as leaders, the scores API, exports and leader notebooks see them.
-- Suppression (study.yaml reporting): n < min_n or relative SE > max_rse is withheld (no
-- estimate and no n), with the reason; relative SE > unreliable_rse is flagged.
-- Change from the previous wave that measured the same figure: difference, SE and two-sided
-- p-value, the waves being independent samples (separate draws); significant when
-- p < 1 - confidence level; its normal interval at the confidence level (change ± z SE), the
-- interval that excludes 0 exactly when the change is significant. A figure the previous wave did not measure says so.
-- These are the direct figures; published_scores puts the model-based figures in where a unit
-- level's primary figure is model-based, and ranks the townships into tiers.
with

estimates as (
    select * from {{ ref('index_estimates') }}
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
        and p.organization_id = j.organization_id
        and p.index_id = j.index_id
        and p.aspect = j.aspect
        and p.org_level = j.org_level
        and p.unit_level = j.unit_level
        and p.unit_code = j.unit_code
        and p.group_var = j.group_var
        and p.group_value = j.group_value
),

changes as (
    select
        *,
        withheld_reason = '' and previous_measured and previous_withheld_reason = '' as can_compare,
        -- a difference within 1e-9 is rounding (two exact figures of the same value): 0, so the
        -- interval, the p-value and the verdict agree when both SEs are 0
        if(abs(estimate_0_100 - previous_estimate) <= 1e-9, 0, estimate_0_100 - previous_estimate) as change_raw,
        sqrt(se_0_100 * se_0_100 + previous_se * previous_se) as change_se_raw
    from with_previous
),

reported as (
    select
        wave_id,
        organization_id,
        index_id,
        aspect,
        org_level,
        unit_level,
        unit_code,
        group_var,
        group_value,
        if(withheld_reason = '', estimate_0_100, null) as estimate_0_100,
        if(withheld_reason = '', se_0_100, null) as se_0_100,
        if(withheld_reason = '', ci_low_0_100, null) as ci_low_0_100,
        if(withheld_reason = '', ci_high_0_100, null) as ci_high_0_100,
        if(withheld_reason = '', df, null) as df,
        if(withheld_reason = '', deff, null) as deff,
        if(withheld_reason = '', n, null) as n,
        if(withheld_reason = '', n_eff, null) as n_eff,
        if(withheld_reason = '', rse_all, null) as rse,
        interval_note,
        withheld_reason <> '' as is_withheld,
        withheld_reason,
        withheld_reason = '' and rse_all > $unreliable_rse as is_unreliable,
        previous_wave_id,
        if(can_compare, change_raw, null) as change_0_100,
        if(can_compare, change_se_raw, null) as change_se_0_100,
        if(can_compare, change_raw - $z_two_sided * change_se_raw, null) as change_ci_low_0_100,
        if(can_compare, change_raw + $z_two_sided * change_se_raw, null) as change_ci_high_0_100,
        case
            when not can_compare then null
            -- two-sided normal p-value (analysis/figureRules.ts): 1 or 0 when both SEs are 0
            else p_two_sided(change_raw, change_se_raw)
        end as change_p_value,
        case
            when previous_wave_id = '' then 'first_wave'
            when not previous_measured then 'not_measured_in_previous_wave'
            when not can_compare then 'withheld_in_either_wave'
            else 'independent_samples'
        end as change_note
    from changes
),

final as (
    select
        *,
        change_p_value < 1 - $confidence_level as is_change_significant
    from reported
)

select * from final
