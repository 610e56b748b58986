/**
 * The phrase bank the demo's open answers (意见建议) are written from: for each known theme, the
 * sentences a resident might write, with `{slot}` places filled from synonym lists. The shipped
 * theme codebook (themes/codebook.yaml) was written from answers drawn from this bank; the
 * benchmark scores it on answers from a second, held-out bank (bench/themes/heldOutBank.ts)
 * that says the same things in other words.
 */

export const THEME_IDS = [
  "childcare",
  "skills_training",
  "rights",
  "activities",
  "elderly",
  "publicity",
  "grassroots",
  "venues",
  "hardship",
  "no_opinion",
] as const;
export type ThemeId = (typeof THEME_IDS)[number];

export interface PhraseBank {
  /** Sentences per theme; `{slot}` is filled from `slots` (a theme's own first, then the shared ones). */
  phrases: Record<ThemeId, readonly string[]>;
  slots: Record<string, readonly string[]>;
  /** Word → misspelling, as a pinyin input method makes them. */
  typos: Record<string, string>;
}

export const PHRASE_BANK: PhraseBank = {
  phrases: {
    childcare: [
      "{want}{org}{more}办{care}",
      "{care}名额太少了，{want}能扩大",
      "双职工家庭放假孩子没人管，{want}有{care}",
      "孩子放学没人接，{want}社区搞{care}",
      "{care}收费能不能再低一点",
      "{want}{org}关心留守儿童，{more}组织课外辅导",
    ],
    skills_training: [
      "{want}{more}开展{training}",
      "{training}太少，跟不上就业需要",
      "{want}针对农民工搞{training}，帮助找工作",
      "年轻人找工作难，{want}{org}提供{training}和招聘信息",
      "{training}内容太老了，{want}更实用",
    ],
    rights: [
      "{want}{org}帮职工{rights}",
      "工资拖欠问题{want}{org}出面解决",
      "{rights}渠道不畅，反映了没人管",
      "企业不签劳动合同，{want}{org}管一管",
      "{want}{more}提供法律援助，帮我们{rights}",
    ],
    activities: [
      "{want}{more}组织{activity}",
      "{activity}太少了，一年到头没几次",
      "{want}{org}{more}搞{activity}，丰富业余生活",
      "{activity}都在工作日，上班的人参加不了",
      "{want}{activity}多样一些，不要老是一样的",
    ],
    elderly: [
      "{want}{more}关心{elder}",
      "{elder}没人照顾，{want}{org}上门看看",
      "{want}为{elder}提供助餐和陪护服务",
      "{want}{org}{more}组织志愿者探望{elder}",
    ],
    publicity: [
      "{want}加强宣传，很多人不知道{org}是干什么的",
      "活动通知不到位，{want}{more}{notice}",
      "{org}的活动信息{notice}太少，我们根本不知道",
      "{want}{org}{more}进村宣传政策",
      "不知道找{org}能办什么事，{want}加大宣传力度",
    ],
    grassroots: [
      "{want}{org}干部{more}下基层，{close}",
      "{formal}太多，{want}办点实事",
      "{want}少开会少填表，{close}",
      "{org}离老百姓太远了，{want}{close}",
      "{want}不要搞{formal}，多听听群众的声音",
    ],
    venues: [
      "{want}{venue}{more}开放",
      "{venue}一直锁着门，形同虚设",
      "{want}村里建一个{venue}",
      "{venue}设施太旧了，{want}更新一下",
      "{venue}离家太远，{want}就近设点",
    ],
    hardship: [
      "{want}{more}关心困难家庭，{help}",
      "困难职工{help}的力度{want}再大一些",
      "{want}{org}对残疾人家庭{help}",
      "{help}要精准，不要总是那几户",
      "家里有病人负担重，{want}{org}给予{help}",
    ],
    no_opinion: ["{fine}", "{fine}，没什么意见", "没有意见，{fine}", "{fine}，继续保持", "暂无建议"],
  },
  slots: {
    want: ["希望", "建议", "希望能", "最好", "请", "建议多", "要是能"],
    more: ["多", "多多", "经常", "定期", ""],
    org: ["", "工会", "团委", "妇联", "组织上", "你们"],
    care: ["暑期托管", "暑假托管", "托管班", "四点半课堂", "暑期托管班"],
    training: ["技能培训", "职业技能培训", "技术培训", "电工焊工培训", "电商培训"],
    rights: ["维权", "维护权益", "讨薪", "维护合法权益"],
    activity: ["文体活动", "文艺活动", "体育比赛", "广场舞比赛", "亲子活动", "户外活动"],
    elder: ["留守老人", "独居老人", "空巢老人", "孤寡老人", "老年人"],
    notice: ["宣传", "通知", "公众号推送", "微信群通知"],
    close: ["接地气一点", "多听群众意见", "深入群众", "走到群众中间"],
    formal: ["形式主义", "走过场", "表面文章", "摆拍"],
    venue: ["职工之家", "妇女之家", "青年之家", "活动室", "活动中心"],
    help: ["帮扶", "送温暖", "救助", "慰问"],
    fine: ["挺好的", "很好", "满意", "都很好", "无", "没有"],
  },
  typos: {
    托管: "拖管",
    培训: "陪训",
    维权: "维全",
    活动: "或动",
    宣传: "宣穿",
    希望: "稀望",
    建议: "见意",
    帮扶: "邦扶",
    老人: "老任",
    形式: "行式",
  },
};
