-- Base weights and design keys. With base_weights "pps_srs" (PSUs drawn with probability
-- proportional to size, then simple random sampling of respondents in each PSU):
--   w = N_h / (m_h * n_hi)
-- N_h the stratum population in the frame, m_h the PSUs of the stratum in the wave's sample,
-- n_hi the respondents of the PSU (which adjusts for nonresponse within the PSU). With
-- "column", the weight delivered with the data. Strata and PSUs are prefixed with the wave:
-- each wave is its own sample, so one design over all waves gives each wave's own estimates.
-- For a pps: brewer design (study.yaml fpc keywords frame_pps, frame_ssu): psu_inclusion_prob
-- is the PSU's first-stage inclusion probability under PPS sampling, m_h * N_hi / N_h (N_hi the
-- PSU's population in the frame), and ssu_sampling_fraction the second stage's, n_hi / N_hi.
with

responses as (
    select * from {{ ref('stg_responses') }}
),

townships as (
    select unit_code as stratum_code, population as stratum_population
    from {{ ref('seed_units') }}
    where unit_level = 'township'
),

frame_villages as (
    select unit_code as psu_code, population as psu_population
    from {{ ref('seed_units') }}
    where unit_level = 'village'
),

frame_psus as (
    select parent_code as stratum_code, count(*) as psus_in_frame
    from {{ ref('seed_units') }}
    where unit_level = 'village'
    group by all
),

psu_counts as (
    select wave_id, psu_code, count(*) as n_in_psu
    from responses
    group by all
),

stratum_counts as (
    select wave_id, stratum_code, count(distinct psu_code) as n_psus_in_stratum
    from responses
    group by all
),

final as (
    select
        r.*,
        r.wave_id || '/' || r.stratum_code as design_stratum,
        r.wave_id || '/' || r.psu_code as design_psu,
        fp.psus_in_frame,
        sc.n_psus_in_stratum * fv.psu_population / t.stratum_population as psu_inclusion_prob,
        pc.n_in_psu / fv.psu_population as ssu_sampling_fraction,
        case
            when $weight_method = 'column' then r.delivered_weight
            else t.stratum_population / (sc.n_psus_in_stratum * pc.n_in_psu)
        end as base_weight
    from responses as r
    join psu_counts as pc on pc.wave_id = r.wave_id and pc.psu_code = r.psu_code
    join stratum_counts as sc on sc.wave_id = r.wave_id and sc.stratum_code = r.stratum_code
    join townships as t on t.stratum_code = r.stratum_code
    join frame_psus as fp on fp.stratum_code = r.stratum_code
    left join frame_villages as fv on fv.psu_code = r.psu_code
)

select * from final
