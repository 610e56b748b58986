/**
 * The held-out phrase bank: the same ten themes as the demo's bank
 * (examples/mass-org-evaluation/generator/openAnswerBank.ts), said in other sentences and with
 * other synonyms. The shipped theme codebook was written without it; `npm run bench:themes`
 * scores the codebook on answers drawn from this bank with a seed the demo does not use.
 */
import type { PhraseBank } from "../../examples/mass-org-evaluation/generator/openAnswerBank.ts";

export const HELD_OUT_BANK: PhraseBank = {
  phrases: {
    childcare: [
      "放暑假孩子在家没人看，{want}{org}开{care}",
      "上班族最头疼的就是{care}，{want}{more}帮帮忙",
      "{want}搞点{care}，解决家长的后顾之忧",
      "小孩放学后没地方去，{want}有{care}",
      "{want}{org}把{care}办到村里来",
    ],
    skills_training: [
      "{want}{more}办{training}，让大家学门手艺",
      "找不到工作，{want}{org}组织{training}",
      "{want}有{training}，提高就业能力",
      "{training}的名额太少了，报不上名",
    ],
    rights: [
      "老板{wage}，{want}{org}给我们撑腰",
      "{want}{org}真正为职工{rights}",
      "工地{wage}的事情{want}有人管",
      "{want}{more}开展法律咨询，帮我们{rights}",
      "加班不给加班费，{want}{org}{rights}",
    ],
    activities: [
      "{want}{more}举办{activity}",
      "平时{activity}太少，生活单调",
      "{want}周末搞些{activity}，大家一起热闹热闹",
      "{activity}能不能多一点，年轻人喜欢",
    ],
    elderly: [
      "{elder}生活不方便，{want}{org}{more}上门服务",
      "{want}关爱{elder}，办个老年食堂",
      "村里{elder}多，{want}{more}去看望",
      "{want}给{elder}送医送药",
    ],
    publicity: [
      "{org}做了什么我们都不了解，{want}{more}{notice}",
      "{want}把政策{notice}到每家每户",
      "好多活动都是事后才知道，{want}提前{notice}",
      "{want}{org}通过{channel}多发信息",
    ],
    grassroots: [
      "{want}干部{close}，别只在办公室",
      "{formal}的东西太多了，老百姓看不到实效",
      "{want}{org}{close}，倾听基层声音",
      "开会太多，{want}少搞{formal}",
    ],
    venues: [
      "{venue}平时不开门，{want}改一改",
      "{want}{more}建{venue}，方便大家",
      "{venue}的器材坏了没人修",
      "我们村没有{venue}，{want}建一个",
    ],
    hardship: [
      "{want}对困难户{help}",
      "家里困难，{want}{org}{help}",
      "{help}要落到实处，{want}{more}关心低保户",
      "{want}对大病家庭{help}",
    ],
    no_opinion: ["{fine}", "{fine}，暂时没有建议", "没意见，{fine}", "{fine}！"],
  },
  slots: {
    want: ["希望", "建议", "盼望", "期待", "恳请", "但愿"],
    more: ["多", "常", "经常", ""],
    org: ["", "工会", "团委", "妇联", "组织"],
    care: ["暑期托管", "托班", "课后托管", "假期托管班", "四点半课堂"],
    training: ["技能培训", "技术培训", "手艺培训", "职业培训", "就业培训"],
    wage: ["欠薪", "拖欠工资", "拖欠工钱", "克扣工资"],
    rights: ["维权", "维护权益", "讨个说法", "讨回工钱"],
    activity: ["文体活动", "文艺演出", "体育比赛", "运动会", "联谊活动", "趣味运动会"],
    elder: ["老年人", "空巢老人", "高龄老人", "留守老人", "独居老人"],
    notice: ["宣传", "通知", "公开", "宣讲"],
    channel: ["公众号", "微信群", "短信", "广播"],
    close: ["多下基层", "接地气", "深入群众", "到群众中去"],
    formal: ["形式主义", "走过场", "表面文章", "官僚作风"],
    venue: ["职工之家", "妇女之家", "青年之家", "活动室", "活动场地"],
    help: ["帮扶", "救助", "送温暖", "慰问", "给予补助"],
    fine: ["挺好", "很满意", "都挺好的", "没有", "无", "很好，继续保持"],
  },
  typos: {
    托管: "拖管",
    培训: "陪训",
    维权: "维全",
    宣传: "喧传",
    帮扶: "帮服",
    老人: "老仁",
    工资: "工姿",
    活动: "或动",
  },
};
