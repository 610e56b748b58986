/**
 * The printed report (公报): a release as an A4 PDF, in the register of a statistical bulletin,
 * and the releases page that links to it.
 */
export const reportMessages = {
  "report.title": { zh: "{study}{wave}测评结果公报", en: "{study}, {wave}: results bulletin" },
  "report.township_title": { zh: "{township}{wave}测评结果", en: "{township}, {wave}: results" },
  "report.subtitle": {
    zh: "发布编号 {release} · 发布时间 {date}",
    en: "Release {release} · released {date}",
  },
  "report.intro": {
    zh: "本公报依据发布编号 {release} 的冻结数据编制，共有效受访者 {n} 人，涉及 {units} 个镇（街道）。各项指标为按抽样设计加权的估计值（0–100 分或百分比），括号内为 {level}% 置信区间。{change}",
    en: "This bulletin is compiled from the frozen figures of release {release}: {n} respondents in {units} townships. Every figure is a weighted estimate of the sample design (0–100 or a percentage), with its {level}% confidence interval in brackets. {change}",
  },
  "report.change_basis": {
    zh: "“比上年”为与{wave}发布数据（{release}）相比的变化，▲▼ 仅标于统计上显著的变化。",
    en: "“Change” is measured against the release of {wave} ({release}); ▲ and ▼ mark only statistically significant changes.",
  },
  "report.no_previous": {
    zh: "上一波次无发布数据，本期不列“比上年”。",
    en: "The previous wave has no release, so no change is shown.",
  },
  "report.section_summary": { zh: "一、总体情况", en: "1. Overall results" },
  "report.section_ranking": { zh: "二、各镇（街道）排名", en: "2. Townships ranked" },
  "report.section_breakdown": { zh: "三、分人群情况", en: "3. By population group" },
  "report.section_method": { zh: "附注：方法说明", en: "Note on method" },
  "report.indicator": { zh: "指标", en: "Indicator" },
  "report.change_short": { zh: "比上年", en: "Change" },
  "report.not_comparable": { zh: "不可比", en: "not comparable" },
  "report.ranking_title": {
    zh: "{org}：各镇（街道）{index}排名",
    en: "{org}: townships ranked by {index}",
  },
  "report.rank": { zh: "名次", en: "Rank" },
  "report.rank_interval": { zh: "名次区间", en: "Rank interval" },
  "report.ci": { zh: "{level}% 置信区间", en: "{level}% interval" },
  "report.ranking_note": {
    zh: "名次区间为名次的 {level}% 置信集合；档次概率低于 0.8 者档次标“?”，表示档次不确定。其余各列为该镇（街道）的分项指标，按五分位着色，底色越深分值越低。未列出的镇（街道）因样本不足或误差过大不予公布。",
    en: "The rank interval is the rank's {level}% confidence set; a tier marked “?” has a probability below 0.8 (uncertain). The other columns are the township's other indicators, shaded by quintile, darker for lower. Townships not listed are withheld (too few respondents or too imprecise).",
  },
  "report.none_ranked": {
    zh: "本期各镇（街道）的{index}均因样本不足或误差过大不予公布，不作排名。",
    en: "No township's {index} is published this wave (too few respondents or too imprecise), so none is ranked.",
  },
  "report.chart_title": {
    zh: "{org}：各镇（街道）{index}及置信区间",
    en: "{org}: {index} by township, with intervals",
  },
  "report.withheld_units": {
    zh: "不予公布：{units}。",
    en: "Withheld: {units}.",
  },
  "report.method_sample": {
    zh: "样本：{wave}共有效受访者 {n} 人，分布于 {units} 个镇（街道）；各波次为独立样本。",
    en: "Sample: {n} respondents in {wave}, in {units} townships; each wave is an independent sample.",
  },
  "report.method_weights_design": {
    zh: "加权：设计权重为入样概率的倒数；",
    en: "Weighting: design weights are inverse inclusion probabilities; ",
  },
  "report.method_weights_column": {
    zh: "加权：采用调查方随数据提供的权重（{column} 列）；",
    en: "Weighting: the weights delivered with the data (column {column}); ",
  },
  "report.method_calibrated": {
    zh: "并按{margins}的人口结构校准（{method}）。",
    en: "calibrated to the population by {margins} ({method}).",
  },
  "report.method_not_calibrated": { zh: "未再校准。", en: "not calibrated further." },
  "report.method_intervals": {
    zh: "区间：方差按抽样设计以泰勒线性化计算；得分类指标为估计值±t×标准误，t分布的自由度为其方差的Satterthwaite有效自由度；比率为logit区间（{rate_quantiles}）；名次区间与档次由估计值的联合不确定性得出。",
    en: "Intervals: variances by Taylor linearization over the sampling design; scores are the estimate ± t × SE, with t on the Satterthwaite effective degrees of freedom of their variance; rates have logit intervals {rate_quantiles}; rank intervals and tiers come from the estimates' joint uncertainty.",
  },
  "report.method_intervals_r": {
    zh: "区间：方差按抽样设计以泰勒线性化计算；得分类指标为估计值±t×标准误，比率为logit区间，t分布的自由度为该范围内有受访者的{psu}数减分层数（R survey 包的做法）；名次区间与档次由估计值的联合不确定性得出。",
    en: "Intervals: variances by Taylor linearization over the sampling design; scores are the estimate ± t × SE and rates have logit intervals, with t on the {psu} with respondents in the domain minus strata as degrees of freedom (R survey's rule); rank intervals and tiers come from the estimates' joint uncertainty.",
  },
  "report.method_suppression": {
    zh: "公布规则：有效样本少于 {min_n} 人或相对标准误大于 {max_rse} 的指标不予公布；变化仅在 {level}% 水平上显著时标注箭头。",
    en: "Publication rules: figures with fewer than {min_n} respondents or a relative standard error above {max_rse} are withheld; arrows mark changes significant at the {level}% level.",
  },
  "report.method_release": {
    zh: "数据来源：发布编号 {release}（sha256 {sha256}），方法版本 {version}。同一发布编号的数据不再改变。",
    en: "Source: release {release} (sha256 {sha256}), methodology {version}. A release's figures never change.",
  },
  "report.footer": {
    zh: "发布编号 {release} · sha256 {sha256} · 方法版本 {version} · 第 {page} 页 / 共 {pages} 页",
    en: "Release {release} · sha256 {sha256} · methodology {version} · page {page} of {pages}",
  },
  "report.township_note": {
    zh: "名次为在全区公布的镇（街道）中的名次（名次/公布数），括号内为名次区间；档次后标“?”者档次不确定。",
    en: "Ranks are among the district's published townships (rank/published), with the rank interval in brackets; a tier marked “?” is uncertain.",
  },
  "report.rank_of": {
    zh: "名次 {rank}/{count}（{low}–{high}）· {tier}",
    en: "Rank {rank}/{count} ({low}–{high}) · {tier}",
  },
  "report.all_withheld": {
    zh: "该镇（街道）本期各项指标均因样本不足或误差过大不予公布。",
    en: "Every figure of this township is withheld this wave (too few respondents or too imprecise).",
  },
  "report.no_unit": {
    zh: "发布 {release} 中没有镇（街道）{unit}",
    en: "release {release} has no township {unit}",
  },
  "report.no_chromium": {
    zh: "生成 PDF 需要 Chromium（{path}）：请安装 sudo apt-get install chromium fonts-noto-cjk，或设置 BAROMETER_CHROMIUM",
    en: "Making a PDF needs Chromium ({path}): install it with sudo apt-get install chromium fonts-noto-cjk, or set BAROMETER_CHROMIUM",
  },
  "report.download_pdf": { zh: "下载公报（PDF）", en: "Bulletin (PDF)" },
  "report.download_township": { zh: "下载本镇（街道）报告（PDF）", en: "This township's report (PDF)" },
  "report.download_townships": { zh: "各镇（街道）报告（PDF）", en: "Township reports (PDF)" },
  "report.english": { zh: "英文版", en: "English" },
  "report.sites_title": { zh: "{study}{period}考核结果", en: "{study}, {period}: assessment results" },
  "report.sites_intro": {
    zh: "本期共考核示范点 {n} 个，其中正常 {good} 个，关注 {watch} 个，退出审查 {exit} 个，已退出 {exited} 个。各推进组联系的示范点见后页，综合得分括号内为 95% 置信区间。",
    en: "{n} sites were assessed this half-year: {good} in good standing, {watch} on watch, {exit} in exit review, {exited} exited. Each work group's sites follow, with the 95% interval of each combined score.",
  },
  "report.sites_by_group": { zh: "一、各推进组示范点状态", en: "1. Sites by work group and status" },
  "report.sites_count": { zh: "示范点数", en: "Sites" },
  "report.sites_method": {
    zh: "综合得分由“六有”考核得分（各评估员评分的场点效应，评估员为随机效应）与服务对象满意度按评分方案 {scoring} 加权合成，区间反映评估员间差异与满意度调查的抽样误差；退出规则版本 {rules}：区间上限低于门槛者列入退出审查，区间跨越门槛者列为关注。",
    en: "The combined score weights the six-haves score (the site's effect over its assessors' ratings, assessors random) and the served people's satisfaction by scoring version {scoring}; its interval carries the assessors' disagreement and the satisfaction survey's sampling error. Exit rules version {rules}: a site whose interval lies below the threshold goes to exit review, one whose interval straddles it is on watch.",
  },
  "report.sites_none_flagged": {
    zh: "本组示范点均为正常。",
    en: "Every site of this group is in good standing.",
  },
  "releases.title": { zh: "发布", en: "Releases" },
  "releases.intro": {
    zh: "发布是某一波次公布数据的冻结版本（带 sha256 校验），年度考核与公报均以发布为准。",
    en: "A release freezes a wave's published figures (with a sha256 checksum); the annual assessment and the bulletin read releases.",
  },
  "releases.none": {
    zh: "尚无发布。管理员可用 barometer release --study ID --wave ID 发布某一波次。",
    en: "No releases yet. An admin releases a wave with barometer release --study ID --wave ID.",
  },
  "releases.id": { zh: "发布编号", en: "Release" },
  "releases.wave": { zh: "波次", en: "Wave" },
  "releases.created": { zh: "发布时间", en: "Released" },
  "releases.figures": { zh: "指标数", en: "Figures" },
  "releases.superseded": { zh: "已被 {release} 取代", en: "superseded by {release}" },
  "releases.report": { zh: "报告", en: "Report" },
} as const;
