/**
 * Messages of the leaders' pages (overview, unit page, print header, methodology). Spread into
 * the one catalogue (catalogue.ts), so `message("page.…", lang)` reads them like every other.
 */
export const pageMessages = {
  // the API's documentation page (Swagger UI)
  "page.api_docs_title": { zh: "Barometer 接口文档（OpenAPI）", en: "Barometer API (OpenAPI)" },
  "page.api_docs_json": { zh: "OpenAPI 文档（JSON）", en: "The OpenAPI document (JSON)" },
  // navigation and filters
  "page.nav_overview": { zh: "总览", en: "Overview" },
  "page.nav_methodology": { zh: "方法说明", en: "Methodology" },
  "page.nav_upload": { zh: "上传数据", en: "Upload" },
  "page.nav_sql": { zh: "SQL 查询台", en: "SQL console" },
  "page.nav_notebooks": { zh: "分析笔记", en: "Notebooks" },
  "page.nav_releases": { zh: "发布记录", en: "Releases" },
  "page.nav_label": { zh: "页面", en: "Pages" },
  // error pages (page routes; the API answers JSON)
  "error.403_title": { zh: "无权访问", en: "Not allowed" },
  "error.403_text": {
    zh: "您的角色不能打开此页面。如确需查看，请联系管理员。",
    en: "Your role may not open this page. Ask an administrator if you need it.",
  },
  "error.404_title": { zh: "没有这个页面", en: "Page not found" },
  "error.404_text": {
    zh: "没有这个页面：链接可能有误，或所指内容已不存在。",
    en: "There is no such page: the link may be wrong, or what it pointed to is gone.",
  },
  "error.500_title": { zh: "出错了", en: "Something went wrong" },
  "error.500_text": {
    zh: "服务器处理请求时出错，错误已记录。请稍后再试；如果一再出现，请告知管理员。",
    en: "The server failed to answer and has logged the error. Try again later; if it keeps happening, tell an administrator.",
  },
  "error.back": { zh: "返回总览", en: "Back to the overview" },
  // tables: downloads
  "table.download": { zh: "下载此表：", en: "Download this table:" },
  "table.empty_chart": {
    zh: "没有可画出的数字（全部不公布或没有数据）。",
    en: "No figures to draw (all withheld, or no data).",
  },
  "page.filters": { zh: "筛选", en: "Filters" },
  "page.filter_study": { zh: "研究", en: "Study" },
  "page.filter_wave": { zh: "波次", en: "Wave" },
  "page.filter_org": { zh: "组织", en: "Organization" },
  "page.filter_level": { zh: "组织层级", en: "Organization level" },
  "page.filter_index": { zh: "指数", en: "Index" },
  "page.filter_apply": { zh: "应用", en: "Apply" },
  "page.all_orgs": { zh: "全部组织", en: "All organizations" },
  "page.print": { zh: "打印版", en: "Print version" },
  "page.print_hint": {
    zh: "用浏览器的“打印”可保存为 PDF（A4）。",
    en: "Use the browser's Print to save a PDF (A4).",
  },
  // levels and indices
  "level.district": { zh: "全区", en: "District" },
  "level.township": { zh: "镇（街道）级组织", en: "Township organizations" },
  "level.village": { zh: "村（社区）级组织", en: "Village organizations" },
  "unit.township": { zh: "镇（街道）", en: "Township" },
  "unit.village": { zh: "村（社区）", en: "Village" },
  "index.composite": { zh: "综合指数", en: "Composite index" },
  "index.awareness": { zh: "知晓度", en: "Awareness" },
  "index.participation": { zh: "参与度", en: "Participation" },
  "index.approval": { zh: "认可度", en: "Approval" },
  "index.satisfaction": { zh: "满意度", en: "Satisfaction" },
  "index.satisfaction_pct": { zh: "满意率（%满意）", en: "% satisfied" },
  "index.approval_aspect": { zh: "认可度（分项）", en: "Approval by aspect" },
  "aspect.guide": { zh: "政治引领", en: "Political guidance" },
  "aspect.serve": { zh: "服务群众", en: "Services" },
  "aspect.rights": { zh: "维护权益", en: "Protecting rights" },
  "aspect.close": { zh: "密切联系群众", en: "Closeness to the masses" },
  "breakdown.sex": { zh: "性别", en: "Sex" },
  "breakdown.age_group": { zh: "年龄组", en: "Age group" },
  "breakdown.urban_rural": { zh: "城乡", en: "Urban or rural" },
  "breakdown.union_member": { zh: "工会会员", en: "Union member" },
  // figures
  "fig.score": { zh: "得分（0–100）", en: "Score (0–100)" },
  "fig.ci_low": { zh: "95%置信区间下限", en: "95% CI low" },
  "fig.ci_high": { zh: "95%置信区间上限", en: "95% CI high" },
  "fig.change": { zh: "较上一波次变化", en: "Change since last wave" },
  "fig.change_sig_up": { zh: "显著上升 {delta}", en: "significantly up {delta}" },
  "fig.change_sig_down": { zh: "显著下降 {delta}", en: "significantly down {delta}" },
  "fig.change_not_sig": { zh: "变化 {delta}（不显著）", en: "change {delta} (not significant)" },
  "fig.first_wave": { zh: "首次调查", en: "first wave" },
  "fig.tier": { zh: "档次", en: "Tier" },
  "fig.tier_n": { zh: "第{tier}档", en: "Tier {tier}" },
  "fig.tier_palette": {
    zh: "颜色表示档次：第1档（最好）为浅橙色，档次越靠后颜色越深，最后一档（最差）为深红色（ColorBrewer 黄橙红色阶，色盲可辨）。",
    en: "Colour shows the tier: tier 1 (the best) is light orange, each later tier darker, the last (the worst) dark red (ColorBrewer's yellow–orange–red scale, readable with colour blindness).",
  },
  "fig.heat_palette": {
    zh: "颜色越深越红表示得分越低，越浅表示得分越高（ColorBrewer 黄橙红色阶，色盲可辨）。",
    en: "The darker and redder a cell, the lower its score; the lighter, the higher (ColorBrewer's yellow–orange–red scale, readable with colour blindness).",
  },
  "fig.change_ci": { zh: "变化的95%置信区间", en: "95% CI of the change" },
  "fig.change_short": { zh: "变化", en: "Change" },
  "fig.this_wave": { zh: "本波次", en: "This wave" },
  "fig.previous_wave": { zh: "上一波次", en: "Previous wave" },
  "fig.significant": { zh: "显著性", en: "Significance" },
  "fig.sig_yes": { zh: "显著", en: "significant" },
  "fig.sig_no": { zh: "不显著", en: "not significant" },
  "fig.rank_line": {
    zh: "{org}：{n}个镇街中排名第{rank}（{level}%区间 第{low}–{high}名，同时成立的区间 第{slow}–{shigh}名），第{tier}档（概率{p}%）",
    en: "{org}: rank {rank} of {n} ({level}% interval {low}–{high}; simultaneous {slow}–{shigh}), tier {tier} (probability {p}%)",
  },
  "fig.tier_uncertain": {
    zh: "档次不确定：重新抽样时得到同一档次的概率低于80%",
    en: "tier uncertain: a new sample would give the same tier with probability below 80%",
  },
  "overview.rank_table": {
    zh: "各镇（街道）{index}名次及区间",
    en: "Townships' ranks by {index}, with intervals",
  },
  "fig.rank": { zh: "名次", en: "Rank" },
  "fig.rank_interval": { zh: "{level}%名次区间", en: "{level}% rank interval" },
  "fig.rank_simultaneous": { zh: "同时成立的区间", en: "Simultaneous interval" },
  "fig.rank_note": {
    zh: "排名区间按Mogstad、Romano、Shaikh和Wilhelm（2024）的方法，由各镇街估计值及其标准误经参数自助法求得：区间外的名次可以排除；相邻名次大多无法区分。",
    en: "Rank intervals follow Mogstad, Romano, Shaikh & Wilhelm (2024), by parametric bootstrap from the estimates and their standard errors: ranks outside the interval are ruled out; neighbouring ranks mostly cannot be told apart.",
  },
  "fig.withheld": { zh: "不公布", en: "withheld" },
  "fig.withheld_reason": { zh: "不公布原因", en: "Reason withheld" },
  "fig.group": { zh: "人群", en: "Group" },
  "fig.item": { zh: "题目", en: "Item" },
  "fig.unit": { zh: "单位", en: "Unit" },
  "fig.district_line": { zh: "全区", en: "District" },
  // overview
  "overview.title": { zh: "群团组织第三方评价总览", en: "Third-party evaluation: overview" },
  "overview.scorecard": {
    zh: "各组织综合指数与四项指数（全区，{wave}）",
    en: "Composite and the four indices per organization (district, {wave})",
  },
  "overview.scorecard_note": {
    zh: "▲/▼ 仅标出与上一波次相比统计上显著的变化（95%）；括号内为95%置信区间。",
    en: "▲/▼ marks only changes since the previous wave that are statistically significant (95%); brackets give the 95% confidence interval.",
  },
  "overview.scorecard_chart": {
    zh: "各组织指数及95%置信区间（{wave}）",
    en: "Indices per organization with 95% confidence intervals ({wave})",
  },
  "overview.townships": {
    zh: "各镇（街道）{index}：按置信区间分档（{wave}）",
    en: "{index} by township, grouped in tiers by overlapping confidence intervals ({wave})",
  },
  "overview.townships_note": {
    zh: "点为估计值，横线为95%置信区间；同一档内各镇（街道）的区间与该档第一名重叠，差异不能确认。",
    en: "Dots are estimates, lines 95% confidence intervals; townships in one tier have intervals overlapping the tier's first, so their differences are not established.",
  },
  "overview.heat": {
    zh: "组织 × 镇（街道）{index}（{wave}）",
    en: "{index}: organization × township ({wave})",
  },
  "overview.heat_note": {
    zh: "灰色格为不公布的数字（样本量不足或误差过大），悬停可见原因。",
    en: "Grey cells are withheld figures (too few respondents or too large an error); hover for the reason.",
  },
  "overview.changes": {
    zh: "各镇（街道）{index}较上一波次的变化（{wave}）",
    en: "Change in {index} since the last wave, by township ({wave})",
  },
  "overview.changes_note": {
    zh: "点为变化值，横线为其95%置信区间；区间不含0的变化才是显著的，只有显著的变化画成实心点并标出箭头。两个波次中任一波次不公布的镇（街道）不画出。",
    en: "Dots are changes, lines their 95% confidence intervals; a change is significant only when its interval excludes 0, and only significant changes are filled and carry an arrow. Townships withheld in either wave are not drawn.",
  },
  "overview.biggest_changes": {
    zh: "显著变化最大的镇（街道）（{index}，较{previous}）",
    en: "Biggest significant changes ({index}, since {previous})",
  },
  "overview.no_significant_changes": {
    zh: "与上一波次相比，各镇（街道）的{index}没有统计上显著的变化。",
    en: "No township's {index} changed significantly since the last wave.",
  },
  "overview.first_wave": {
    zh: "这是第一个波次，没有可比较的上一波次。",
    en: "This is the first wave: there is no previous wave to compare with.",
  },
  "overview.trend": { zh: "历年{index}（全区）", en: "{index} over the waves (district)" },
  "overview.breakdown": {
    zh: "不同人群的{index}（全区，{wave}）",
    en: "{index} by demographic group (district, {wave})",
  },
  "overview.withheld_list": { zh: "不公布的数字：", en: "Withheld figures:" },
  "overview.no_index": {
    zh: "所选层级没有此指数，已改为显示 {index}。",
    en: "This level has no such index; showing {index} instead.",
  },
  // unit page
  "unit.title": { zh: "{name}", en: "{name}" },
  "unit.parent": { zh: "所属镇（街道）：", en: "Part of: " },
  "unit.figures": {
    zh: "各组织各项指数（{wave}）",
    en: "Every organization and index ({wave})",
  },
  "unit.history": { zh: "历年{index}", en: "{index} over the waves" },
  "unit.items": {
    zh: "认可度分项与满意率（{wave}）",
    en: "Approval aspects and % satisfied ({wave})",
  },
  "unit.villages": { zh: "下辖村（社区）", en: "Villages and communities" },
  "unit.no_village_figures": {
    zh: "本调查不在村（社区）一级公布数字：样本太少，无法给出可靠估计。请看所属镇（街道）的数字。",
    en: "This survey does not report figures for single villages: their samples are too small for reliable estimates. See the township's figures.",
  },
  "unit.not_found": { zh: "没有此单位", en: "no such unit" },
  "unit.all_withheld": {
    zh: "本波次该单位的数字全部不公布（受访人数太少或误差过大，见上表各格的原因），所以这里没有图表。可以查看往年的数字或全区的总览。",
    en: "All of this unit's figures are withheld in this wave (too few respondents or too large an error: each cell above says which), so there are no charts here. See earlier waves, or the district overview.",
  },
  // print header
  "print.release": { zh: "发布编号：{release}（{created}）", en: "Release {release} ({created})" },
  "print.no_release": {
    zh: "工作数据，尚未正式发布",
    en: "Working figures, not yet a release",
  },
  "page.figures_updating": {
    zh: "数字正在更新：{n} 个新上传尚未计入本页数字，模型运行结束后刷新本页即可看到。",
    en: "Figures are updating: {n} new upload(s) are not in this page's figures yet; reload once the model run has finished.",
  },
  "page.model_figures_updating": {
    zh: "部分数字正在更新：本页的直接估计已计入全部上传；标为“模型估计”的数字、排名区间和开放题主题尚未计入 {n} 个新上传，稍后刷新本页即可。",
    en: "Some figures are updating: this page's direct figures hold every upload; model-based figures, rank intervals and open-answer themes do not yet hold {n} new upload(s). Reload in a moment.",
  },
  "print.printed": { zh: "打印时间：{at}", en: "Printed {at}" },
  // methodology
  "method.title": { zh: "方法说明", en: "Methodology" },
  "method.sampling": { zh: "抽样", en: "Sampling" },
  "method.sampling_text": {
    zh: "分层两阶段整群抽样：以{stratum}为层（{strata}），以{psu}为初级抽样单位（{psus}），按人口规模成比例抽取（PPS），在每个入样{psu}内简单随机抽取相同人数。{variance}{lonely}",
    en: "Stratified two-stage cluster sample: the strata are {stratum} ({strata}), the primary sampling units {psu} ({psus}), drawn with probability proportional to population (PPS), then an equal number of people by simple random sampling in each sampled unit. {variance} {lonely}",
  },
  "method.sampling_text_given": {
    zh: "分层整群抽样：以{stratum}为层（{strata}），以{psu}为初级抽样单位（{psus}），抽样与权数由调查方给出。{variance}{lonely}",
    en: "Stratified cluster sample: the strata are {stratum} ({strata}), the primary sampling units {psu} ({psus}); the survey team drew the sample and gives the weights. {variance} {lonely}",
  },
  "method.variance_with_replacement": {
    zh: "方差估计按有放回抽取初级单位近似（不做有限总体校正）。",
    en: "Variances treat the PSUs as drawn with replacement (no finite population correction).",
  },
  "method.variance_fpc": {
    zh: "方差估计按不放回简单随机抽样计入有限总体校正（{fpc}）。",
    en: "Variances include the finite population correction of sampling without replacement ({fpc}).",
  },
  "method.variance_brewer": {
    zh: "方差估计按不放回不等概率抽样的Brewer近似，逐阶段计入有限总体校正（抽样阶段：{psus}；入样概率：{fpc}）。",
    en: "Variances use Brewer's approximation for unequal-probability sampling without replacement, with the finite population correction of every stage (stages: {psus}; inclusion probabilities: {fpc}).",
  },
  "method.lonely_fail": {
    zh: "只有一个初级单位的层视为错误。",
    en: "A stratum with a single PSU is an error.",
  },
  "method.lonely_certainty": {
    zh: "只有一个初级单位的层视为必然入样，不计入方差。",
    en: "A stratum with a single PSU is taken as sampled with certainty and adds no variance.",
  },
  "method.lonely_adjust": {
    zh: '只有一个初级单位的层以全体初级单位的均值为中心计入方差（R survey包的 lonely.psu = "adjust"）。',
    en: 'A stratum with a single PSU adds its deviation from the mean over all PSUs to the variance (R survey\'s lonely.psu = "adjust").',
  },
  "method.lonely_average": {
    zh: '只有一个初级单位的层按其他层的平均方差计入（R survey包的 lonely.psu = "average"）。',
    en: 'A stratum with a single PSU is given the average variance of the other strata (R survey\'s lonely.psu = "average").',
  },
  "method.lonely_remove": {
    zh: "只有一个初级单位的层不计入方差。",
    en: "A stratum with a single PSU adds no variance.",
  },
  "method.coverage_not_simulated": {
    zh: "覆盖率模拟（npm run sim:coverage）检验的是演示研究的设计（两阶段均按Brewer近似计算方差）与本页的区间规则；本研究的设计与之不同，其区间的实际覆盖率未经模拟检验。",
    en: "The coverage simulation (npm run sim:coverage) checks the demo study's design (Brewer's approximation over both stages) with this page's interval rule; this study's design differs, and what its intervals cover has not been checked by simulation.",
  },
  "method.frame": {
    zh: "抽样框：{townships} 个{stratum}，{villages} 个{psu}。",
    en: "Frame: {townships} {stratum} and {villages} {psu}.",
  },
  "method.weighting": { zh: "加权", en: "Weighting" },
  "method.weighting_text": {
    zh: "基础权数 = 1 / 入样概率（{stratum}人口 ÷（入样{psu}数 × {psu}内受访人数））",
    en: "Base weight = 1 / probability of selection ({stratum} population ÷ (sampled {psu} × respondents in the unit))",
  },
  "method.weighting_given": {
    zh: "基础权数为调查方随数据提供的权数（{column} 列）",
    en: "The base weight is the weight the survey team delivered with the data (column {column})",
  },
  "method.weighting_calibrated": {
    zh: "；再以{method}方式校准到人口普查边际：{margins}。",
    en: "; then calibrated by {method} to census margins: {margins}.",
  },
  "method.weighting_uncalibrated": { zh: "；未再校准。", en: "; not calibrated further." },
  "method.rake": { zh: "迭代比例调整（raking）", en: "raking" },
  "method.diagnostics": { zh: "加权诊断", en: "Weighting diagnostics" },
  "method.respondents": { zh: "受访人数", en: "Respondents" },
  "method.weight_range": { zh: "最终权数范围", en: "Final weight range" },
  "method.cv": { zh: "权数变异系数", en: "Weight CV" },
  "method.deff_w": { zh: "加权设计效应", en: "Design effect of weighting" },
  "method.iterations": { zh: "迭代次数", en: "Iterations" },
  "method.worst_error": { zh: "最大边际误差", en: "Worst margin error" },
  "method.indices": { zh: "指数公式", en: "Index formulas" },
  "method.formula_awareness": {
    zh: "知晓度 = 回答“知道”者的加权百分比；“说不清”计为不知道。",
    en: "Awareness = weighted % answering yes; “don't know” counts as not aware.",
  },
  "method.formula_participation": {
    zh: "参与度 = 过去12个月参加过活动或使用过服务者的加权百分比。",
    en: "Participation = weighted % who took part in an activity or used a service in the past 12 months.",
  },
  "method.formula_approval": {
    zh: "认可度 = 各方面评分（1–5）的个人平均值换算为 (x − 1) / 4 × 100 后的加权平均；“说不清”不计入分母。",
    en: "Approval = weighted mean of each respondent's mean rating over the aspects (1–5), rescaled (x − 1) / 4 × 100; “don't know” leaves the base.",
  },
  "method.formula_satisfaction": {
    zh: "满意度 = 总体满意度（1–5）换算为 0–100 的加权平均；满意率 = 回答 4 或 5 者的加权百分比。",
    en: "Satisfaction = weighted mean of overall satisfaction (1–5) rescaled to 0–100; % satisfied = weighted % answering 4 or 5.",
  },
  "method.formula_composite": {
    zh: "综合指数 = {weights}（权重版本 {version}）。",
    en: "Composite = {weights} (weights version {version}).",
  },
  "method.formula_named_composite": {
    zh: "{name} = {weights}（权重版本 {version}）。",
    en: "{name} = {weights} (weights version {version}).",
  },
  "method.kind_share": {
    zh: "{name} = 回答为 {codes} 者的加权百分比（题目 {items}）",
    en: "{name} = weighted % answering {codes} (items {items})",
  },
  "method.kind_top_box": {
    zh: "{name} = 回答为 {codes} 者的加权百分比（题目 {items}）",
    en: "{name} = weighted % answering {codes} (items {items})",
  },
  "method.kind_mean": {
    zh: "{name} = 量表 {min}–{max} 上回答的加权平均{rescaled}（题目 {items}）",
    en: "{name} = weighted mean answer on the {min}–{max} scale{rescaled} (items {items})",
  },
  "method.kind_mean_of_items": {
    zh: "{name} = 各题（量表 {min}–{max}）个人平均值的加权平均{rescaled}（题目 {items}）",
    en: "{name} = weighted mean of each respondent's mean over the items answered (scale {min}–{max}){rescaled} (items {items})",
  },
  "method.kind_multi_share": {
    zh: "{name} = 选择每个选项者的加权百分比，每个选项一个数字（题目 {items}）",
    en: "{name} = weighted % choosing each option, one figure per option (items {items})",
  },
  "method.rescaled": {
    zh: "，换算为 (x − 最小值) / (最大值 − 最小值) × 100",
    en: ", rescaled (x − min) / (max − min) × 100",
  },
  "method.missing_rules": {
    zh: "；“说不清”{dont_know}，拒答和不适用不计入分母",
    en: "; “don't know” {dont_know}, refusals and not applicable leave the base",
  },
  "method.dont_know_excluded": { zh: "不计入分母", en: "leaves the base" },
  "method.dont_know_no": { zh: "计为否", en: "counts as no" },
  "method.population": {
    zh: "；仅在满足 {population} 的受访者中估计（域估计）",
    en: "; estimated among respondents with {population} only (a domain)",
  },
  "method.suppression": { zh: "公布规则", en: "Suppression rules" },
  "method.suppression_text": {
    zh: "置信水平 {level}%；受访人数少于 {min_n} 或相对标准误大于 {max_rse}% 的数字不公布；相对标准误大于 {unreliable}% 的数字标注“不够可靠”；{psu}一级的数字至少 {village_min_n} 人才公布。",
    en: "Confidence level {level}%; figures resting on fewer than {min_n} respondents or with a relative standard error above {max_rse}% are withheld; above {unreliable}% they are flagged unreliable; figures of single {psu} are shown only from {village_min_n} respondents.",
  },
  "method.change_text": {
    zh: "与上一波次的变化按独立样本检验，p < {alpha} 为显著。",
    en: "Changes since the previous wave are tested as independent samples; significant when p < {alpha}.",
  },
  "method.intervals": { zh: "置信区间与排名", en: "Confidence intervals and ranks" },
  "method.intervals_text": {
    zh: "方差按泰勒线性化计算{calibration}。比率类指标（{rates}）为logit区间（{rate_quantiles}）。得分类指标（{scores}）为估计值±t×标准误，t分布的自由度为该估计值方差的Satterthwaite有效自由度（初级单元按有放回处理时，即该范围内有受访者的{psu}数减分层数，镇街内为其{psu}数减1）；综合指数同样，自由度取其得分类组成指数中最小者。只有几个{psu}时，标准误本身也不确定，t分布把这一点计入区间。{rate_reason}",
    en: "Variances are Taylor linearization{calibration}. Rates ({rates}) have logit intervals {rate_quantiles}. Scores ({scores}) are the estimate ± t × SE, with t on the Satterthwaite effective degrees of freedom of the estimate's variance (with primary units treated as drawn with replacement: the {psu} with respondents in the domain minus strata, in a township its {psu} minus 1); composites the same, on the smallest df of their scores. An SE from a handful of {psu} is itself uncertain, and t pays for that in the interval.{rate_reason}",
  },
  "method.rates_normal": { zh: "正态分位数", en: "on normal quantiles" },
  "method.rates_t": {
    zh: "t分布，自由度为该范围内有受访者的{psu}数减分层数",
    en: "on t with the {psu} with respondents in the domain minus strata as degrees of freedom",
  },
  "method.rates_normal_reason": {
    zh: "比率用正态分位数，是因为logit区间已在靠近0%或100%的一侧放宽，在两阶段方差上再用t分布会使区间过宽。",
    en: " Rates use normal quantiles because the logit interval already widens towards 0% or 100%, and on a two-stage variance t on top of it made their intervals too wide.",
  },
  "method.intervals_text_r": {
    zh: "方差按泰勒线性化计算{calibration}。区间采用R survey包的默认规则：比率类指标（{rates}）为logit区间，以该范围内{psu}数减分层数为自由度的t分布；得分类指标（{scores}）与综合指数为正态区间。",
    en: "Variances are Taylor linearization{calibration}. Intervals follow R survey's defaults: rates ({rates}) have logit intervals with t on the primary units minus strata in the domain; scores ({scores}) and composites have normal intervals.",
  },
  "method.coverage_text": {
    zh: "模拟检验（npm run sim:coverage，演示研究的总体与抽样设计，{samples}次重复抽样，按本页规则计算区间，与总体真值比较）：95%区间的平均覆盖率，区级为{district}%（蒙特卡洛标准误{district_se}个百分点），镇街级为{township}%（{township_se}）；覆盖最差的镇街为{worst}%（加3个蒙特卡洛标准误后为{worst_plus}%）。",
    en: "Checked by simulation (npm run sim:coverage: the demo study's population and design, {samples} repeated samples, intervals by this page's rules, against the population's truth): 95% intervals cover on average {district}% at district level (Monte Carlo SE {district_se} points) and {township}% in townships ({township_se}); the worst township {worst}% ({worst_plus}% plus 3 Monte Carlo SEs).",
  },
  "method.coverage_conservative": {
    zh: "区间偏保守（覆盖率高于95%）：方差按有放回处理，未作有限总体校正，而约一半的村被抽中，方差因此偏大。",
    en: "The intervals are conservative (they cover more than 95%): the variance treats the villages as drawn with replacement, without a finite population correction, while about half of them are drawn, so it comes out too large.",
  },
  "method.intervals_calibration": {
    zh: "，并计入{method}校准的影响",
    en: ", accounting for the calibration ({method})",
  },
  "method.none_of_kind": { zh: "无", en: "none" },
  "method.two_villages": {
    zh: "以下镇街只有2个{psu}有受访者，其标准误只有1个自由度，区间的t分布也只有1个自由度（区间近乎0–100），以这一设计无法达到名义95%的覆盖，数据中标为“two_psus”（interval_note）：{units}。",
    en: 'These townships have respondents in only 2 {psu}: their SEs rest on 1 degree of freedom and so do their t intervals (they span nearly 0–100); this design cannot make them keep a nominal 95%. The data mark them "two_psus" (interval_note): {units}.',
  },
  "method.ranks_text": {
    zh: "镇街排名附95%排名区间（边际区间及所有镇街同时成立的区间，按Mogstad、Romano、Shaikh和Wilhelm 2024年的方法，由估计值及其标准误经参数自助法求得）。档次附其概率：重新抽样时得到同一档次的概率；低于80%的档次标为不确定。",
    en: "Township ranks come with 95% rank intervals (marginal, and simultaneous over all townships, after Mogstad, Romano, Shaikh & Wilhelm 2024, by parametric bootstrap from the estimates and their SEs). Tiers come with their probability: the chance a new sample gives the same tier; below 80% the tier is flagged uncertain.",
  },
  "method.releases": { zh: "发布记录", en: "Release history" },
  "method.release_id": { zh: "发布编号", en: "Release" },
  "method.created_at": { zh: "发布时间", en: "Created" },
  "method.methodology_version": { zh: "方法版本", en: "Methodology version" },
  "method.supersedes": { zh: "取代", en: "Supersedes" },
  "method.no_releases": { zh: "尚无正式发布。", en: "No releases yet." },
} as const satisfies Record<string, { zh: string; en: string }>;
