/**
 * The rule list that masks personal data in free text (open answers) before anything shows it or
 * lets it leave the raw table: Chinese mobile and landline numbers, 18-digit resident ID numbers,
 * email addresses, and people's names in the forms they take in answers (王某某, 张师傅, 李阿姨,
 * 老王 / 小李, "联系人：王芳", "我叫李娜"). Names cannot be found in general without a model; the
 * name rules match a surname next to a title or an introducing word, which is how answers name
 * people. Every rule replaces its match with a bracketed placeholder that says what was there.
 *
 * Example: maskPersonalText("请张师傅联系我13812345678").text === "请[姓名]师傅联系我[手机号]"
 */

export interface MaskRule {
  id: "id_number" | "mobile" | "landline" | "email" | "long_number" | "name";
  pattern: RegExp;
  /** The replacement; `$<keep>` puts back a title or introducer the match kept. */
  replacement: string;
  /** Whether a match (at `offset` in `whole`) is masked; default: every match. */
  stands?: (whole: string, offset: number) => boolean;
}

/**
 * Common single-character surnames. Characters that far more often end another word before a
 * title (区 in 社区书记, 文 in 语文老师, 任 in 兼任书记, 顾 in 照顾大妈, 余, 金, 方, 史, 关, 班, 时) are left out.
 */
export const SURNAMES =
  "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎潘杜戴夏钟汪田姜范石姚谭廖邹熊陆郝孔白崔康毛邱秦江侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚";

/** Surnames common enough to stand after 老 / 小 (老王, 小李) without a title; none of them makes a word there. */
const FAMILIAR = "王李张刘陈杨赵周吴徐孙胡朱何郭罗宋郑谢韩唐冯董曹袁邓彭曾潘";

const TITLES = [
  "师傅",
  "阿姨",
  "大姐",
  "大哥",
  "大爷",
  "大妈",
  "大娘",
  "大叔",
  "叔叔",
  "奶奶",
  "爷爷",
  "书记",
  "主任",
  "老师",
  "经理",
  "同志",
  "先生",
  "女士",
  "小姐",
  "医生",
  "干事",
  "会长",
  "主席",
  "站长",
  "队长",
  "村长",
  "镇长",
];

/** Words that end in a surname character and stand before a title without naming anyone (谢谢老师, 提高…). */
const NOT_NAMES = new Set(
  "谢谢 感谢 多谢 答谢 任何 如何 几何 允许 也许 或许 少许 提高 很高 最高 较高 更高 太高 明白 空白 坦白 长江 过江 示范 规范 防范 健康 安康 小康 千万 上万 一万 工程 日程 课程 流程 过程 全程 章程 专程 保姆 大陆 着陆 登陆 开孔 伸张 紧张 主张 扩张 夸张 铺张 一周 每周 上周 下周 本周 周周 四周 出马 人马 赛马 树林 园林 森林 竹林 山林 农林 结婚 何况 至于 姓冯".split(
    " ",
  ),
);

const S = `[${SURNAMES}]`;
const HAN = "[\\u4e00-\\u9fff]";
const INTRODUCERS = "(?:我叫|名叫|叫做|本人|姓名|联系人|署名|举报人|负责人|工作人员)";

/** A name match stands unless its surname character ends a common word with the one before it. */
const surnameStartsName = (whole: string, at: number): boolean => !NOT_NAMES.has(whole.slice(at - 1, at + 1));

/** The rules, in the order they apply (longer numbers before the shorter ones inside them). */
export const MASK_RULES: readonly MaskRule[] = [
  // 18-digit resident ID: 6-digit area, birth date 18xx-20xx, 3 digits, check digit or X
  {
    id: "id_number",
    pattern:
      /(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])/g,
    replacement: "[身份证号]",
  },
  // mobile: 1[3-9]x xxxx xxxx, with an optional +86 / 86 and spaces or dashes between the groups
  {
    id: "mobile",
    pattern: /(?<![0-9])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![0-9])/g,
    replacement: "[手机号]",
  },
  // landline: an area code 0xx(x) in brackets or before a dash or space, then 7-8 digits, an optional extension
  {
    id: "landline",
    pattern:
      /(?:[(（]0\d{2,3}[)）]\s?|(?<![0-9])0\d{2,3}[\s-])\d{3,4}[\s-]?\d{4}(?:\s?(?:转|-|ext\.?)\s?\d{1,5})?(?![0-9])/g,
    replacement: "[电话]",
  },
  {
    id: "email",
    pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g,
    replacement: "[邮箱]",
  },
  // any other run of 7 or more digits, dashes or spaces between groups allowed (a local number
  // 8888-6666, QQ, WeChat, accounts): not worth the risk
  {
    id: "long_number",
    pattern: /(?<![0-9])\d{3,4}[\s-]\d{4}(?![0-9])|(?<![0-9])\d{7,}(?![0-9])/g,
    replacement: "[号码]",
  },
  // 王某某, 张某: a surname and 某
  { id: "name", pattern: new RegExp(`${S}某{1,2}`, "g"), replacement: "[姓名]" },
  // an introducer and then a surname and one or two given-name characters: 联系人：王芳, 我叫李娜
  {
    id: "name",
    pattern: new RegExp(`(?<keep>${INTRODUCERS}\\s*[:：是]?\\s*)${S}${HAN}{1,2}`, "g"),
    replacement: "$<keep>[姓名]",
  },
  // a surname before a title: 张师傅, 李阿姨, 周书记
  {
    id: "name",
    pattern: new RegExp(`${S}(?<keep>${TITLES.join("|")})`, "g"),
    replacement: "[姓名]$<keep>",
    stands: surnameStartsName,
  },
  // 老王, 小李, 王姐, 李哥 (a few common surnames only: 小高 or 老马 are often not people)
  {
    id: "name",
    pattern: new RegExp(`(?<keep>[老小])[${FAMILIAR}](?![家庄村])`, "g"),
    replacement: "$<keep>[姓]",
  },
  {
    id: "name",
    pattern: new RegExp(`[${FAMILIAR}](?<keep>[姐哥])(?![妹弟])`, "g"),
    replacement: "[姓名]$<keep>",
    stands: surnameStartsName,
  },
];

export interface MaskResult {
  text: string;
  /** The rules that matched, in order, once per match. */
  hits: MaskRule["id"][];
}

/** Mask every personal detail the rule list finds. */
export function maskPersonalText(text: string): MaskResult {
  let out = text;
  const hits: MaskRule["id"][] = [];
  for (const rule of MASK_RULES) {
    out = out.replace(rule.pattern, (...args: unknown[]) => {
      const match = args[0] as string;
      const groups = args.at(-1) as Record<string, string> | undefined;
      const offset = args.at(typeof groups === "object" ? -3 : -2) as number;
      const whole = args.at(typeof groups === "object" ? -2 : -1) as string;
      if (rule.stands && !rule.stands(whole, offset)) return match;
      hits.push(rule.id);
      return rule.replacement.replace("$<keep>", groups?.keep ?? "");
    });
  }
  return { text: out, hits };
}
