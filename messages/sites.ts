/**
 * Messages of the demonstration-sites pages (示范点考核). Spread into the one catalogue.
 */
export const siteMessages = {
  "sites.nav": { zh: "示范点", en: "Demonstration sites" },
  "sites.title": { zh: "示范点半年考核", en: "Demonstration sites: half-yearly assessment" },
  "sites.none": {
    zh: "还没有示范点考核数据。用 barometer demo 载入演示，或载入一个 kind: demonstration_sites 的研究。",
    en: "No demonstration-site assessments yet. Load the demo with barometer demo, or a study of kind demonstration_sites.",
  },
  "sites.period": { zh: "半年度", en: "Half-year" },
  "sites.filter_level": { zh: "级别", en: "Level" },
  "sites.filter_type": { zh: "类型", en: "Type" },
  "sites.filter_group": { zh: "工作推进组", en: "Work group" },
  "sites.all": { zh: "全部", en: "All" },
  "sites.apply": { zh: "应用", en: "Apply" },
  "sites.site": { zh: "示范点", en: "Site" },
  "sites.level": { zh: "级别", en: "Level" },
  "sites.type": { zh: "类型", en: "Type" },
  "sites.group": { zh: "推进组", en: "Work group" },
  "sites.combined": { zh: "综合得分", en: "Combined score" },
  "sites.ci": { zh: "95% 置信区间", en: "95% interval" },
  "sites.assessment": { zh: "“六有”考核得分", en: "Six-haves score" },
  "sites.satisfaction": { zh: "服务对象满意度", en: "Served people's satisfaction" },
  "sites.change": { zh: "比上半年", en: "Change since last half-year" },
  "sites.status": { zh: "状态", en: "Status" },
  "sites.news": { zh: "信息报送（条）", en: "News reported" },
  "sites.news_months_below": { zh: "未达每月最低报送的月数", en: "Months under the monthly minimum" },
  "sites.projects": { zh: "项目完成", en: "Projects done" },
  "sites.status.good_standing": { zh: "正常", en: "In good standing" },
  "sites.status.watch": { zh: "关注", en: "Watch" },
  "sites.status.exit_review": { zh: "退出审查", en: "Exit review" },
  "sites.status.exited": { zh: "已退出", en: "Exited" },
  "sites.rule.threshold": {
    zh: "综合得分低于 {threshold} 分：区间上限 {ci_high}（下限 {ci_low}）",
    en: "combined score below {threshold}: upper limit {ci_high} (lower {ci_low})",
  },
  "sites.rule.bottom_tier": {
    zh: "有把握地低于 {below} 分已连续 {half_years_below} 个半年（规则：连续 {consecutive} 个半年），区间上限 {ci_high}",
    en: "confidently below {below} for {half_years_below} half-year(s) running (rule: {consecutive}), upper limit {ci_high}",
  },
  "sites.rule.news": {
    zh: "有 {months_below} 个月信息报送少于每月 {minimum_per_month} 条（规则：{months} 个月）",
    en: "{months_below} month(s) under {minimum_per_month} news item(s) a month (rule: {months} months)",
  },
  "sites.rule.guard": {
    zh: "区间（{ci_low}–{ci_high}）跨越退出线 {threshold}，按规定只列为关注，不进入退出审查",
    en: "the interval ({ci_low}–{ci_high}) straddles the exit line {threshold}, so the site is on watch, never on exit review",
  },
  "sites.rules_note": {
    zh: "退出规则（版本 {version}）：区间上限低于 {threshold} 分进入退出审查，区间跨越 {threshold} 分列为关注；所有判断都读 {confidence}% 置信区间，区间跨越退出线的示范点不会被列入退出审查。",
    en: "Exit rules (version {version}): exit review when the upper limit is below {threshold}, watch when the interval straddles {threshold}; every rule reads the {confidence}% interval, and a site whose interval straddles the exit line is never put on exit review.",
  },
  "sites.haves": { zh: "“六有”分项（满分 100）", en: "The six haves (0–100)" },
  "sites.reliability": {
    zh: "评估员一致性（ICC）：{icc}（95% 区间 {low}–{high}），{n_assessors} 名评估员对 {n_sites} 个示范点的 {n_ratings} 次评分。",
    en: "Agreement between assessors (ICC): {icc} (95% interval {low}–{high}), from {n_ratings} ratings of {n_sites} sites by {n_assessors} assessors.",
  },
  "sites.by_level": { zh: "省级与市级示范点对比", en: "Provincial and municipal sites" },
  "sites.by_group": { zh: "各工作推进组", en: "By work group" },
  "sites.mean_of_sites": { zh: "示范点平均综合得分", en: "Mean combined score of the sites" },
  "sites.n_sites": { zh: "示范点数", en: "Sites" },
  "sites.history": { zh: "历次考核", en: "Assessment history" },
  "sites.assessors": { zh: "评估员评分对照", en: "Assessors' scores side by side" },
  "sites.assessor": { zh: "评估员", en: "Assessor" },
  "sites.total": { zh: "总分", en: "Total" },
  "sites.verdicts": { zh: "退出规则的判断", en: "What the exit rules say" },
  "sites.no_rule_fired": { zh: "各项规则均未触发。", en: "No rule fired." },
  "sites.group_effect": {
    zh: "本组评估员的宽严程度（相对于全体评估员平均）：{effect} 分（95% 区间 {low} 至 {high}）。",
    en: "Severity of this group's assessors (against the average assessor): {effect} points (95% interval {low} to {high}).",
  },
  "sites.group_not_identified": {
    zh: "本半年度评估员与示范点未交叉，无法区分评估员宽严与示范点水平，因此不报告推进组效应。",
    en: "This half-year's assessors were not crossed with the sites, so assessor severity cannot be told apart from site quality; no group effect is reported.",
  },
  "sites.group_sites": { zh: "本组联系的示范点", en: "Sites this group supervises" },
  "sites.method_note": {
    zh: "得分方法：每次考核的“六有”总分按研究设定的权重折算为 0–100；用线性混合模型（示范点为固定效应、评估员为随机效应）估计“平均严格程度的评估员”会给出的分数，其标准误同时反映评估员间分歧和宽严差异；综合得分 = {wa}×考核得分 + {ws}×服务对象满意度（两者独立，方差相加）。",
    en: "Method: each visit's six-haves total is weighted to 0–100; a linear mixed model (site fixed, assessor random) gives the score an assessor of average severity would give, its SE carrying both the assessors' disagreement and their severity; combined = {wa} × assessment + {ws} × served people's satisfaction (independent, variances added).",
  },
  "sites.chart_title": {
    zh: "各示范点综合得分及 95% 区间",
    en: "Combined score of each site, with 95% interval",
  },
  "sites.trend_title": { zh: "综合得分走势", en: "Combined score over time" },
  "sites.exit_line": { zh: "退出线", en: "Exit line" },
  // barometer sites ingest: an upload of assessment forms, checked against the XLSForm
  "sites.upload.no_codebook": {
    zh: "研究 {study} 的 study.yaml 没有声明考核表（assessments.codebook），无法检查上传的考核表",
    en: "study {study} declares no assessment form (assessments.codebook in study.yaml): an upload cannot be checked",
  },
  "sites.upload.format": {
    zh: "{file}：考核表只接受 CSV（UTF-8 或 GBK）或 Excel（.xlsx）文件",
    en: "{file}: assessment forms are taken as CSV (UTF-8 or GBK) or Excel (.xlsx) files only",
  },
  "sites.upload.missing_column": {
    zh: "{file}：缺少考核表的列 {column}",
    en: "{file}: the form's column {column} is missing",
  },
  "sites.upload.unknown_site": { zh: "示范点名册中没有此示范点", en: "no such site in the site register" },
  "sites.upload.unknown_assessor": {
    zh: "考核人名册中没有此考核人",
    en: "no such assessor in the assessor register",
  },
  "sites.upload.other_period": {
    zh: "不是本次上传的半年度 {period}",
    en: "not the half-year of this upload, {period}",
  },
  "sites.upload.duplicate_in_file": {
    zh: "同一示范点、半年度和考核人在本文件中出现多次，请确认保留哪一行",
    en: "the same site, half-year and assessor appear more than once in this file; decide which row is right",
  },
  "sites.upload.all_bad": {
    zh: "{file}：{rows} 行全部未通过检查，未载入任何数据。第一个问题：{first_zh}",
    en: "{file}: all {rows} rows failed the checks; nothing was loaded. First problem: {first_en}",
  },
  "sites.upload.empty": { zh: "{file}：文件中没有考核记录", en: "{file}: the file holds no assessment rows" },
  "sites.upload.landed": {
    zh: "{file}：载入 {landed} 行（其中替换此前上传的 {replaced} 行），拒收 {rejected} 行；示范点得分已重算（{periods}）",
    en: "{file}: {landed} rows loaded ({replaced} of them replacing earlier uploads), {rejected} rejected; site scores rebuilt ({periods})",
  },
} as const;
