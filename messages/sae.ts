/** Messages of small-area (model-based) figures: labels, the unit-page section and the methodology paragraphs. */
export const saeMessages = {
  "sae.model_based": { zh: "模型估计", en: "model-based" },
  "sae.model_based_label": { zh: "模型估计 / model-based", en: "model-based / 模型估计" },
  "sae.direct": { zh: "直接估计", en: "direct" },
  "sae.ranked_model_based": {
    zh: "排名和分档所用的各镇（街道）数字为模型估计 / model-based（小区域估计，见方法说明）。",
    en: "The townships' figures ranked and tiered here are model-based / 模型估计 (small-area estimation; see the methodology).",
  },
  "sae.synthetic": {
    zh: "模型估计 / model-based（合成：无受访者）",
    en: "model-based / 模型估计 (synthetic: no respondents)",
  },
  "sae.section": {
    zh: "{wave}模型估计（小区域估计）",
    en: "{wave}: model-based figures (small-area estimation)",
  },
  "sae.index": { zh: "指数", en: "Index" },
  "sae.estimate": { zh: "估计值", en: "Estimate" },
  "sae.interval": { zh: "95%区间", en: "95% interval" },
  "sae.rmse": { zh: "均方根误差", en: "RMSE" },
  "sae.direct_beside": { zh: "直接估计（标准误）", en: "Direct (SE)" },
  "sae.respondents": { zh: "受访人数", en: "Respondents" },
  "sae.method": { zh: "方法", en: "Method" },
  "sae.withheld": { zh: "误差过大，不公布", en: "withheld: error too large" },
  "sae.village_grid": {
    zh: "各村（社区）{index}（模型估计，{wave}）",
    en: "{index} by village (model-based, {wave})",
  },
  "sae.village_grid_note": {
    zh: "点为各村（社区）的模型估计，横线为95%区间；受访很少或无人受访的村（社区）也有估计，区间较宽。",
    en: "Dots are each village's model-based figure, lines its 95% interval; villages with few or no respondents have figures too, with wider intervals.",
  },
  "sae.village_grid_withheld": {
    zh: "不予公布（误差过大）：{units}。",
    en: "Withheld (too imprecise): {units}.",
  },
  "sae.note": {
    zh: "模型估计借用同镇（街道）及相似村（社区）的信息，样本很少的单位也能给出数字；区间反映其真实误差。",
    en: "Model-based figures borrow strength from the township and from similar villages, so units with few respondents still get a figure; the interval shows its real error.",
  },
  "sae.method_title": { zh: "小区域估计（模型估计）", en: "Small-area estimation (model-based figures)" },
  "sae.method_p1": {
    zh: "每个村（社区）只有几位受访者，直接算出的比例误差很大。为给每个村和镇一个可靠的数字，我们使用两层费伊-赫里奥特（Fay–Herriot）模型：一个村的真实水平 = 由抽样框信息（城乡、人口规模等）预测的部分 + 所在镇的共同偏差 + 本村自己的偏差。村的直接估计越可靠（受访者越多），结果越接近它；越不可靠，越多借用本镇和相似村的信息。没有受访者的村只用预测部分加本镇偏差（“合成估计”）。比例在反正弦平方根尺度上建模，再无偏地换算回百分比。",
    en: "A village has only a few respondents, so its direct percentage is very noisy. To give every village and township a dependable figure we use a two-level Fay–Herriot model: a village's true level = what the frame predicts (urban or rural, size, …) + its township's shared deviation + the village's own deviation. The more respondents a village has, the closer its figure stays to its own direct estimate; the fewer, the more it borrows from its township and similar villages. A village without respondents gets the prediction plus its township's deviation (a “synthetic” figure). Rates are modelled on the arcsine-square-root scale and transformed back without bias.",
  },
  "sae.method_p2": {
    zh: "每个模型估计都标明“模型估计”，并给出均方根误差和区间：误差由参数自助法（{reps}次重复，固定随机种子）得出，包括模型参数的不确定性和基准化。村的估计按人口加权汇总后等于镇的数字，镇的数字汇总后等于全区的直接估计（基准化）。相对误差超过{max_rrmse}%的模型估计不公布。在已知真值的模拟中（演示数据，重复抽样），受访者1–10人的村，模型估计的均方根误差约为直接估计的{ratio}，95%区间的覆盖率约为{coverage}%。",
    en: "Every model-based figure is labelled “model-based” and comes with its RMSE and interval: the error is from a parametric bootstrap ({reps} replicates, fixed seed) that includes the uncertainty of the model's parameters and the benchmarking. Village figures, weighted by population, add up to their township's figure, and townships to the district's direct estimate (benchmarking). Model-based figures with a relative error above {max_rrmse}% are withheld. In a simulation with known truth (the demo data, repeated samples), for villages with 1–10 respondents the model-based RMSE was about {ratio} of the direct estimate's, and the 95% intervals covered the truth about {coverage}% of the time.",
  },
} as const;
